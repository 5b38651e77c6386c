import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { protectedResourceMetadata, resourceMetadataUrl, type Verifier } from '@mandate/verifier';
import { requireMandate, serveResourceMetadata } from '@mandate/verifier/express';
import {
  feedVerifierOf,
  startFakeRevocationFeed,
  type FakeRevocationFeed,
} from '../support/fake-revocation-feed.js';

const RESOURCE = 'https://tickets.example/api';
const METADATA_URL = 'https://tickets.example/.well-known/oauth-protected-resource/api';

describe('RFC 9728 metadata and the challenges that point to it', () => {
  let broker: FakeRevocationFeed;
  let verifier: Verifier;
  let server: Server;
  let api: string;

  beforeAll(async () => {
    broker = await startFakeRevocationFeed({ heartbeatMs: 50 });
    verifier = await feedVerifierOf(broker);
    const app = express();
    app.use(
      serveResourceMetadata({
        resource: RESOURCE,
        authorizationServers: [broker.issuer],
        scopesSupported: ['tickets:read', 'tickets:write'],
        resourceName: 'Tickets API',
        resourceDocumentation: 'https://tickets.example/docs',
      }),
    );
    const guard = (scopes: string[]) =>
      requireMandate({ verifier, scopes, resourceMetadata: resourceMetadataUrl(RESOURCE) });
    app.get('/api/tickets', guard(['tickets:read']), (_req, res) => {
      res.json([]);
    });
    app.post('/api/tickets', guard(['tickets:write']), (_req, res) => {
      res.status(201).end();
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await verifier.close();
    await broker.close();
  });

  const call = (path: string, token?: string, method = 'GET') =>
    fetch(`${api}${path}`, {
      method,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  it.each([
    ['the path-suffixed form (section 3.1)', '/.well-known/oauth-protected-resource/api'],
    ['the root form', '/.well-known/oauth-protected-resource'],
  ])('serves the metadata at %s, exactly', async (_form, path) => {
    const res = await call(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json(; charset=utf-8)?$/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(
      JSON.stringify({
        resource: 'https://tickets.example/api',
        authorization_servers: ['http://mandate.test'],
        scopes_supported: ['tickets:read', 'tickets:write'],
        bearer_methods_supported: ['header'],
        resource_name: 'Tickets API',
        resource_documentation: 'https://tickets.example/docs',
      }),
    );
  });

  it('leaves other paths and methods to the routes after it', async () => {
    expect((await call('/.well-known/oauth-protected-resource/other')).status).toBe(404);
    expect(
      (await call('/.well-known/oauth-protected-resource/api', undefined, 'POST')).status,
    ).toBe(404);
  });

  it('answers a request without a token 401 with resource_metadata and no error code', async () => {
    const res = await call('/api/tickets');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${METADATA_URL}"`);
  });

  it('answers a token that is not one of the broker 401 invalid_token with resource_metadata', async () => {
    const res = await call('/api/tickets', 'abc.def.ghi');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="the token is not a valid signed JWT", resource_metadata="${METADATA_URL}"`,
    );
  });

  it('answers an expired token 401 invalid_token with resource_metadata', async () => {
    const { token } = await broker.issue({ expiresIn: -60 });
    const res = await call('/api/tickets', token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="invalid_token", error_description="the token has expired", resource_metadata="${METADATA_URL}"`,
    );
  });

  it('answers too few scopes 403 insufficient_scope naming the scope needed (step-up)', async () => {
    const { token } = await broker.issue({ scope: 'tickets:read' });
    expect((await call('/api/tickets', token)).status).toBe(200);
    const res = await call('/api/tickets', token, 'POST');
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", error_description="the token lacks the scope tickets:write", scope="tickets:write", resource_metadata="${METADATA_URL}"`,
    );
  });
});

describe('protectedResourceMetadata() and resourceMetadataUrl()', () => {
  it('inserts the well-known segment between host and path, and drops a lone slash', () => {
    expect(resourceMetadataUrl('https://mcp.example/tools/mcp')).toBe(
      'https://mcp.example/.well-known/oauth-protected-resource/tools/mcp',
    );
    expect(resourceMetadataUrl('https://mcp.example/')).toBe(
      'https://mcp.example/.well-known/oauth-protected-resource',
    );
    expect(resourceMetadataUrl('http://127.0.0.1:8081')).toBe(
      'http://127.0.0.1:8081/.well-known/oauth-protected-resource',
    );
  });

  it('leaves out lists that are empty and options not given', () => {
    expect(
      protectedResourceMetadata({
        resource: 'https://mcp.example/mcp',
        authorizationServers: ['https://mandate.internal'],
        scopesSupported: [],
      }),
    ).toEqual({
      resource: 'https://mcp.example/mcp',
      authorization_servers: ['https://mandate.internal'],
      bearer_methods_supported: ['header'],
    });
  });

  it.each([
    ['a relative resource', { resource: '/mcp', authorizationServers: ['https://as.example'] }],
    [
      'a resource with a fragment',
      { resource: 'https://mcp.example/mcp#x', authorizationServers: ['https://as.example'] },
    ],
    [
      'a resource that is not http(s)',
      { resource: 'urn:x:y', authorizationServers: ['https://as'] },
    ],
    ['no authorization server', { resource: 'https://mcp.example/mcp', authorizationServers: [] }],
  ])('refuses %s at startup', (_what, options) => {
    expect(() => protectedResourceMetadata(options)).toThrow(TypeError);
  });
});
