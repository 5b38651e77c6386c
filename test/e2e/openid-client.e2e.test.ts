import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { buildBroker } from '../../src/app/build-broker.js';
import { startServer, type RunningServer } from '../../src/app/start-server.js';
import { parseConfig } from '../../src/config/load-config.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { freePort } from '../support/free-port.js';
import { TEST_RESOURCES, quietLogger, collectLines } from '../support/test-broker.js';
import { createTestTrustDomain, type TestTrustDomain } from '../support/trust-domain.js';
import { OPERATOR_KEYS, redisBrokerConfig } from './redis-broker.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** An RFC 9396 `agent_task` entry reading ticket T-1, as a client sends it (JSON text). */
const READ_T1 = JSON.stringify([
  {
    type: 'agent_task',
    locations: [TEST_RESOURCES.tickets.audience],
    actions: ['tickets:read'],
    purpose: 'triage ticket T-1',
    targets: ['T-1'],
  },
]);

/**
 * openid-client 6, unmodified, against the real broker: discovery (RFC 8414), a token
 * exchange (RFC 8693), introspection (RFC 7662) and revocation (RFC 7009). Tests run on http
 * loopback, hence the library's own `allowInsecureRequests` option.
 */
describe('openid-client 6 against the broker', () => {
  let running: RunningServer;
  let td: TestTrustDomain;
  let redis: Redis;
  let issuer: URL;
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), 'mandate-oidc-client-'));
  const options = { execute: [oidc.allowInsecureRequests], algorithm: 'oauth2' as const };

  /**
   * How a resource server authenticates to the introspection endpoint: its API key as a Bearer
   * token (metadata `introspection_endpoint_auth_methods_supported: ["Bearer"]`). No registered
   * client auth method says this, so it is a `ClientAuth` of the library's own shape.
   */
  const apiKeyAuth =
    (key: string): oidc.ClientAuth =>
    (_as, _client, _body, headers) => {
      headers.set('authorization', `Bearer ${key}`);
    };

  beforeAll(async () => {
    redis = await connectRedis();
    td = await createTestTrustDomain('test.example', dir);
    // The issuer is the URL clients discover it at, so the port is chosen before the broker.
    const port = await freePort();
    issuer = new URL(`http://127.0.0.1:${port}`);
    const raw = {
      server: { host: '127.0.0.1', port },
      issuer: issuer.origin,
      ...redisBrokerConfig(td, prefix),
    };
    const broker = await buildBroker(parseConfig(raw, join(dir, 'mandate.yaml')), {
      logger: quietLogger,
      auditStdout: collectLines([]),
    });
    running = await startServer(broker, { host: '127.0.0.1', port });
  });
  afterAll(async () => {
    await running.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('discovers every endpoint and the scopes of the catalogue', async () => {
    const agent = await oidc.discovery(issuer, 'triage-agent', undefined, oidc.None(), options);
    expect(agent.serverMetadata()).toMatchObject({
      issuer: issuer.origin,
      token_endpoint: `${issuer.origin}/token-exchange`,
      jwks_uri: `${issuer.origin}/.well-known/jwks.json`,
      revocation_endpoint: `${issuer.origin}/revoke`,
      introspection_endpoint: `${issuer.origin}/introspect`,
      grant_types_supported: [TOKEN_EXCHANGE, JWT_BEARER],
      authorization_details_types_supported: ['agent_task'],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      introspection_endpoint_auth_methods_supported: ['Bearer'],
      scopes_supported: [
        'tickets:read',
        'tickets:write',
        'tickets:delete',
        'payroll:read',
        'payroll:write',
      ],
    });
  });

  it('exchanges, introspects as active, revokes, then introspects as inactive', async () => {
    // The agent: no client authentication; its SVID is the proof, holding the token for revoke.
    const agent = await oidc.discovery(issuer, 'triage-agent', undefined, oidc.None(), options);
    const resourceServer = await oidc.discovery(
      issuer,
      'tickets-api',
      undefined,
      apiKeyAuth(OPERATOR_KEYS.resource_server.key),
      options,
    );

    const tokens = await oidc.genericGrantRequest(agent, TOKEN_EXCHANGE, {
      subject_token: await td.svid({ path: '/agent/triage' }),
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      audience: 'tickets',
      scope: 'tickets:read',
      intent: JSON.stringify({ purpose: 'triage ticket T-1', targets: ['T-1'] }),
    });
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'tickets:read' });
    expect(tokens.expiresIn()).toBeGreaterThan(0);

    const live = await oidc.tokenIntrospection(resourceServer, tokens.access_token);
    expect(live).toMatchObject({
      active: true,
      sub: `spiffe://${td.trustDomain}/agent/triage`,
      aud: TEST_RESOURCES.tickets.audience,
      scope: 'tickets:read',
      task_id: tokens.task_id,
    });

    await oidc.tokenRevocation(agent, tokens.access_token);
    expect(await oidc.tokenIntrospection(resourceServer, tokens.access_token)).toEqual({
      active: false,
    });
  });

  it('performs the jwt-bearer grant with resource and authorization_details', async () => {
    const agent = await oidc.discovery(issuer, 'triage-agent', undefined, oidc.None(), options);
    const tokens = await oidc.genericGrantRequest(agent, JWT_BEARER, {
      assertion: await td.svid({ path: '/agent/triage' }),
      resource: TEST_RESOURCES.tickets.audience,
      authorization_details: READ_T1,
    });
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'tickets:read' });
    expect(tokens.authorization_details).toEqual([
      {
        type: 'agent_task',
        locations: [TEST_RESOURCES.tickets.audience],
        actions: ['tickets:read'],
        purpose: 'triage ticket T-1',
        targets: ['T-1'],
        sensitivity: 'internal',
        tier: 'read',
        task_id: tokens.task_id,
      },
    ]);
  });

  it('performs a token exchange with resource and authorization_details', async () => {
    const agent = await oidc.discovery(issuer, 'triage-agent', undefined, oidc.None(), options);
    const tokens = await oidc.genericGrantRequest(agent, TOKEN_EXCHANGE, {
      subject_token: await td.svid({ path: '/agent/triage' }),
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      resource: TEST_RESOURCES.tickets.audience,
      authorization_details: READ_T1,
    });
    expect(tokens).toMatchObject({
      token_type: 'bearer',
      scope: 'tickets:read',
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
    expect(tokens.authorization_details?.[0]).toMatchObject({ type: 'agent_task', tier: 'read' });
  });

  it('surfaces an assertion the broker refuses as invalid_grant', async () => {
    const agent = await oidc.discovery(issuer, 'triage-agent', undefined, oidc.None(), options);
    const expired = await td.svid({ path: '/agent/triage', expiresIn: -120 });
    await expect(
      oidc.genericGrantRequest(agent, JWT_BEARER, {
        assertion: expired,
        resource: TEST_RESOURCES.tickets.audience,
        authorization_details: READ_T1,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  it('refuses introspection to a client without the API key', async () => {
    const anonymous = await oidc.discovery(issuer, 'tickets-api', undefined, oidc.None(), options);
    await expect(oidc.tokenIntrospection(anonymous, 'any')).rejects.toMatchObject({
      status: 401,
      // The library surfaces the RFC 6750 challenge of the answer.
      cause: [{ scheme: 'bearer', parameters: { error: 'invalid_token' } }],
    });
  });
});
