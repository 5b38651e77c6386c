import { MandateError } from '../errors.js';
import type { Catalogue, Resource } from './catalogue.js';

/** How a request names its token's resource; see `ResourceNaming` of the exchange request. */
export interface ResourceNames {
  /** A resource name or audience URI. */
  readonly audience?: string | undefined;
  /** RFC 8707: an audience URI. */
  readonly resource?: string | undefined;
  /** RFC 9396 `locations`: audience URIs. */
  readonly locations?: readonly string[] | undefined;
}

/**
 * The one catalogue resource a request names: `audience`, `resource` and every
 * `authorization_details` location must agree, since a token has one audience. An unknown or
 * disagreeing `audience` / `resource` is `invalid_target` (RFC 8707 section 2); a location
 * unknown or naming another resource is `invalid_authorization_details` (RFC 9396 section 5).
 *
 * @example
 * selectResource({ resource: 'https://tickets.example' }, catalogue); // the tickets resource
 */
export function selectResource(names: ResourceNames, catalogue: Catalogue): Resource {
  const byAudience = names.audience === undefined ? undefined : known(names.audience);
  const byResource =
    names.resource === undefined ? undefined : catalogue.findByAudience(names.resource);
  if (names.resource !== undefined && !byResource)
    throw new MandateError(
      'invalid_target',
      `resource "${names.resource}" is not served by this broker`,
    );
  if (byAudience && byResource && byAudience !== byResource)
    throw new MandateError(
      'invalid_target',
      `audience names ${byAudience.audience} and resource names ${byResource.audience}: a token has one audience`,
    );
  let chosen = byAudience ?? byResource;
  for (const location of names.locations ?? []) {
    const named = catalogue.findByAudience(location);
    if (!named)
      throw new MandateError(
        'invalid_authorization_details',
        `authorization_details location "${location}" is not a resource of this broker`,
      );
    if (chosen && named !== chosen)
      throw new MandateError(
        'invalid_authorization_details',
        `authorization_details name ${chosen.audience} and ${named.audience}: a token has one audience; ask for one token per resource`,
      );
    chosen = named;
  }
  if (!chosen)
    throw new MandateError(
      'invalid_request',
      'audience is missing: name the resource with audience, resource or authorization_details locations',
    );
  return chosen;

  function known(audience: string): Resource {
    const resource = catalogue.find(audience);
    if (!resource)
      throw new MandateError(
        'invalid_target',
        `audience "${audience}" is not served by this broker`,
      );
    return resource;
  }
}
