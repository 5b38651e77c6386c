import type { Redis } from 'ioredis';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { createSelfSignedCert } from '../identity/support/self-signed-cert.js';
import { postExchange } from '../support/post-exchange.js';
import type { TestBroker } from '../support/test-broker.js';
import { introspect, startRedisBroker } from './redis-broker.js';

const AGENT = 'spiffe://test.example/agent/assistant';

// On behalf of a person: a person's token from a real OIDC issuer (oauth2-mock-server on
// loopback over HTTPS) as subject_token, the agent's JWT-SVID as actor_token, on Redis.
describe('an agent acting on behalf of a person, end to end', () => {
  let issuer: OAuth2Server;
  let t: TestBroker;
  let redis: Redis;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    const tls = createSelfSignedCert();
    issuer = new OAuth2Server(tls.keyFile, tls.certFile);
    await issuer.issuer.keys.generate('RS256', { kid: 'people-1' });
    await issuer.start(0, '127.0.0.1');
    issuer.issuer.url = `https://127.0.0.1:${issuer.address().port}`;
    redis = await connectRedis();
    t = await startRedisBroker(prefix, {
      oidc: [
        {
          issuer: issuer.issuer.url,
          ca_file: tls.certFile,
          audiences: ['mandate'],
          agent_id: 'person-agent:{sub}',
          person_id: 'person:{email}',
        },
      ],
    });
  });
  afterAll(async () => {
    await t.close();
    await issuer.stop();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const personToken = (email = 'ada@example.com') =>
    issuer.issuer.buildToken({
      kid: 'people-1',
      expiresIn: 600,
      scopesOrTransform: (_header, payload) => {
        payload.sub = 'u-1842';
        payload.email = email;
        payload.aud = 'mandate';
      },
    });
  const onBehalf = async (fields: Record<string, unknown> = {}) =>
    postExchange(t.url, await personToken(), {
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      actor_token: await t.td.svid({ path: '/agent/assistant' }),
      actor_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      intent: { purpose: "read Ada's tickets for her", targets: [] },
      ...fields,
    });

  it('gives sub = the person, act.sub and client_id = the agent, verified by jose', async () => {
    const res = await onBehalf();
    expect(res.body.error_description).toBeUndefined();
    expect(res.status).toBe(200);
    const token = res.body.access_token as string;
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)),
      { issuer: 'http://mandate.test', audience: 'https://tickets.example', typ: 'at+jwt' },
    );
    expect(payload).toMatchObject({
      sub: 'person:ada@example.com',
      client_id: AGENT,
      act: { sub: AGENT },
    });
    expect(payload).not.toHaveProperty('lineage');
    expect(await introspect(t.url, token)).toMatchObject({
      active: true,
      sub: 'person:ada@example.com',
      client_id: AGENT,
      act: { sub: AGENT },
    });
  });

  it('lets policy decide: the example policy lets an agent read for a person, never write', async () => {
    const write = await onBehalf({ scope: 'tickets:write' });
    expect(write.body).toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses a token from an issuer with no person_id, and a garbage subject token', async () => {
    const svidSubject = await postExchange(t.url, await t.td.svid({ path: '/agent/other' }), {
      actor_token: await t.td.svid({ path: '/agent/assistant' }),
      actor_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    });
    expect(svidSubject.body).toMatchObject({ error: 'invalid_request' });
    expect(svidSubject.body.error_description).toMatch(
      /a person's token from an issuer with person_id/,
    );
    const garbage = await onBehalf({ subject_token: 'not.a.token' });
    expect(garbage.body).toMatchObject({ error: 'invalid_request' });
  });
});
