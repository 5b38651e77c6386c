import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

describe('POST /token-exchange, end to end on a real server', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker();
  });
  afterAll(() => t.close());

  it('exchanges a JWT-SVID for an at+jwt that verifies against the served JWKS', async () => {
    const started = Math.floor(Date.now() / 1000);
    const res = await t.exchange({ scope: 'tickets:read tickets:write', task_id: 'T-42' });

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: 120,
      scope: 'tickets:read tickets:write',
      task_id: 'T-42',
    });
    const token = res.body.access_token as string;
    const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: 'http://mandate.test',
      audience: 'https://tickets.example',
      typ: 'at+jwt',
    });
    expect(protectedHeader.kid).toBe(t.broker.keyRing.active.kid);
    expect(payload).toMatchObject({
      sub: 'spiffe://test.example/agent/triage',
      client_id: 'spiffe://test.example/agent/triage',
      scope: 'tickets:read tickets:write',
      task: { id: 'T-42' },
      tier: 'write',
      targets: ['T-1'],
      jti: res.body.grant_id,
    });
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(payload.iat).toBeGreaterThanOrEqual(started);
    expect(Buffer.from(payload.jti!, 'base64url')).toHaveLength(16);
  });

  it('starts a new task when task_id is absent and returns its id', async () => {
    const a = await t.exchange();
    const b = await t.exchange();
    expect(a.status).toBe(200);
    expect(a.body.task_id).toMatch(/^tsk_/);
    expect(b.body.task_id).not.toBe(a.body.task_id);
    expect(a.body.grant_id).not.toBe(b.body.grant_id);
  });

  it('accepts a form-encoded body with the intent as a JSON string', async () => {
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: await t.td.svid(),
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      audience: 'https://tickets.example',
      scope: 'tickets:read',
      intent: JSON.stringify({ purpose: 'read the queue' }),
    });
    const res = await fetch(`${t.url}/token-exchange`, { method: 'POST', body: form });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(decodeProtectedHeader(body.access_token as string).typ).toBe('at+jwt');
  });

  it('never mints a token that outlives the subject token', async () => {
    const res = await t.exchange({
      subject_token: await t.td.svid({ path: '/agent/triage', expiresIn: 40 }),
    });
    expect(res.status).toBe(200);
    expect(res.body.expires_in).toBeLessThanOrEqual(40);
    expect(res.body.expires_in).toBeGreaterThan(30);
  });

  it('serves RFC 8414 metadata naming both grants, the RFC 9396 type and the JWKS', async () => {
    const res = await fetch(`${t.url}/.well-known/oauth-authorization-server`);
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: 'http://mandate.test',
      token_endpoint: 'http://mandate.test/token-exchange',
      jwks_uri: 'http://mandate.test/.well-known/jwks.json',
      grant_types_supported: [
        'urn:ietf:params:oauth:grant-type:token-exchange',
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
      ],
      authorization_details_types_supported: ['agent_task'],
    });
  });

  it('reports health, readiness and exchange metrics', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/mandate_exchanges_total\{outcome="granted"\} [1-9]/);
    expect(metrics).toContain('mandate_exchange_duration_seconds_bucket');
  });
});
