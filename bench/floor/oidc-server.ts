/**
 * node-oidc-provider (v9) as a reference authorization server: the client_credentials grant,
 * JWT access tokens signed ES256 for the tickets resource (RFC 8707 resource indicators,
 * `accessTokenFormat: 'jwt'`), one process. JWT access tokens are not stored by the provider
 * (only opaque ones go to its adapter), so it keeps no state per token.
 *
 * Run as its own process (bench/floor.ts does): `node --import tsx bench/floor/oidc-server.ts`
 * with OIDC_CONFIG (JSON of {@link OidcConfig}); it prints `{"ready":"<url>"}` once listening.
 */
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import { OIDC_CLIENT, TICKETS } from './requests.js';

export interface OidcConfig {
  readonly host: string;
  readonly port: number;
}

/** The broker's read tier lifetime, so both issue 5-minute tokens. */
const TOKEN_SECONDS = 300;

async function main(): Promise<void> {
  const config = JSON.parse(process.env.OIDC_CONFIG ?? '') as OidcConfig;
  const issuer = `http://${config.host}:${config.port}`;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const signing = { ...(await exportJWK(privateKey)), kid: 'oidc', alg: 'ES256', use: 'sig' };
  const provider = new Provider(issuer, {
    jwks: { keys: [signing] },
    clients: [
      {
        client_id: OIDC_CLIENT.id,
        client_secret: OIDC_CLIENT.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    ttl: { ClientCredentials: TOKEN_SECONDS },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => TICKETS.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== TICKETS.audience) throw new errors.InvalidTarget();
          return {
            scope: 'tickets:read tickets:write',
            audience: TICKETS.audience,
            accessTokenTTL: TOKEN_SECONDS,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  });
  const handle = provider.callback();
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  console.log(JSON.stringify({ ready: issuer }));
}

await main();
