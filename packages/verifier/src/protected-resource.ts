/** The well-known URI suffix of protected resource metadata (RFC 9728 section 3). */
export const RESOURCE_METADATA_SUFFIX = 'oauth-protected-resource';

/** What a protected resource says of itself (RFC 9728 section 2). */
export interface ProtectedResourceOptions {
  /** The resource identifier: the URL clients use for this API or MCP server, no fragment. */
  readonly resource: string;
  /** Issuers of the authorization servers whose tokens it takes: the broker's `iss`. */
  readonly authorizationServers: readonly string[];
  /** Scopes a token for it may carry (the resource's scopes in the broker's catalogue). */
  readonly scopesSupported?: readonly string[];
  /** A name for people (`resource_name`). */
  readonly resourceName?: string;
  /** A page for developers (`resource_documentation`). */
  readonly resourceDocumentation?: string;
  /** RFC 9396 types the resource understands (`authorization_details_types_supported`). */
  readonly authorizationDetailsTypesSupported?: readonly string[];
}

/** The JSON document of RFC 9728 section 2, as the well-known URL serves it. */
export interface ProtectedResourceMetadata {
  readonly resource: string;
  readonly authorization_servers: readonly string[];
  readonly scopes_supported?: readonly string[];
  readonly bearer_methods_supported: readonly ['header'];
  readonly resource_name?: string;
  readonly resource_documentation?: string;
  readonly authorization_details_types_supported?: readonly string[];
}

/**
 * The metadata document of a resource that accepts the broker's tokens in the `Authorization`
 * header only. Throws a `TypeError` on a resource that is not an absolute http(s) URL without a
 * fragment (RFC 9728 section 1.2), or on no authorization server. Empty lists are left out
 * (section 2).
 *
 * @example
 * protectedResourceMetadata({
 *   resource: 'https://mcp.tickets.example/mcp',
 *   authorizationServers: ['https://mandate.internal'],
 *   scopesSupported: ['tickets:read', 'tickets:write'],
 * });
 */
export function protectedResourceMetadata(
  options: ProtectedResourceOptions,
): ProtectedResourceMetadata {
  resourceUrl(options.resource);
  if (options.authorizationServers.length === 0)
    throw new TypeError('a protected resource names at least one authorization server');
  for (const server of options.authorizationServers) resourceUrl(server);
  const list = (name: string, values: readonly string[] | undefined) =>
    values && values.length > 0 ? { [name]: [...values] } : {};
  return {
    resource: options.resource,
    authorization_servers: [...options.authorizationServers],
    ...list('scopes_supported', options.scopesSupported),
    bearer_methods_supported: ['header'],
    ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
    ...(options.resourceDocumentation === undefined
      ? {}
      : { resource_documentation: options.resourceDocumentation }),
    ...list('authorization_details_types_supported', options.authorizationDetailsTypesSupported),
  };
}

/**
 * Where the metadata of `resource` is served (RFC 9728 section 3.1): `/.well-known/
 * oauth-protected-resource` inserted between the host and the path, a lone `/` path dropped.
 *
 * @example
 * resourceMetadataUrl('https://mcp.tickets.example/mcp');
 * // 'https://mcp.tickets.example/.well-known/oauth-protected-resource/mcp'
 */
export function resourceMetadataUrl(resource: string): string {
  const url = resourceUrl(resource);
  return `${url.origin}${resourceMetadataPath(url)}`;
}

/**
 * The paths a resource's metadata answers on: the path-suffixed one of section 3.1 first, then
 * the root form, which clients that know only the host look at (the MCP authorization spec).
 * A query of the resource is not part of the path matched.
 */
export function resourceMetadataPaths(resource: string): readonly string[] {
  const url = resourceUrl(resource);
  const root = `/.well-known/${RESOURCE_METADATA_SUFFIX}`;
  const suffixed = resourceMetadataPath(new URL(url.pathname, url.origin));
  return suffixed === root ? [root] : [suffixed, root];
}

function resourceMetadataPath(url: URL): string {
  const rest = `${url.pathname === '/' ? '' : url.pathname}${url.search}`;
  return `/.well-known/${RESOURCE_METADATA_SUFFIX}${rest}`;
}

function resourceUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${value} is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError(`${value} is not an http(s) URL`);
  if (value.includes('#')) throw new TypeError(`${value} has a fragment`);
  return url;
}
