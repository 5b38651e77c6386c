import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startTestBroker, TEST_RESOURCES, type TestBroker } from '../support/test-broker.js';

describe('partial grants (resource opts in with partial: true)', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({
      config: {
        resources: {
          ...TEST_RESOURCES,
          wiki: {
            audience: 'https://wiki.example',
            partial: true,
            scopes: { 'wiki:read': 'read', 'wiki:edit': 'write' },
          },
        },
      },
    });
  });
  afterAll(() => t.close());

  it('issues a token with only the allowed scopes, and says so in scope', async () => {
    const res = await t.exchange({
      subject_token: await t.td.svid({ path: '/agent/reader' }),
      audience: 'wiki',
      scope: 'wiki:read wiki:edit',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scope: 'wiki:read', expires_in: 300 });
    const { payload } = await jwtVerify(
      res.body.access_token as string,
      createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)),
      { issuer: 'http://mandate.test', audience: 'https://wiki.example' },
    );
    // The token is of the tier of what was granted, not of what was asked.
    expect(payload).toMatchObject({ scope: 'wiki:read', tier: 'read' });
  });

  it('still refuses when policy allows none of the scopes', async () => {
    const res = await t.exchange({
      subject_token: await t.td.svid({ path: '/agent/reader' }),
      audience: 'wiki',
      scope: 'wiki:edit',
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_scope', refused_scopes: ['wiki:edit'] });
  });

  it('stays all-or-nothing on resources that do not opt in', async () => {
    const res = await t.exchange({
      subject_token: await t.td.svid({ path: '/agent/reader' }),
      scope: 'tickets:read tickets:write',
    });
    expect(res.body.error).toBe('invalid_scope');
  });

  it('clamps the lifetime to a shorter requested_ttl, never a longer one', async () => {
    const short = await t.exchange({ requested_ttl: 30 });
    expect(short.body.expires_in).toBe(30);
    const long = await t.exchange({ requested_ttl: '86400' });
    expect(long.body.expires_in).toBe(300);
    const bad = await t.exchange({ requested_ttl: 0 });
    expect(bad.body).toMatchObject({ error: 'invalid_request' });
  });
});
