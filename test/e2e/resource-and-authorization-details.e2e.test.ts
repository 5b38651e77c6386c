import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { Redis } from 'ioredis';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { checkedFetch } from '../support/openapi-contract.js';
import type { TestBroker } from '../support/test-broker.js';
import { introspect, startRedisBroker } from './redis-broker.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const TICKETS = 'https://tickets.example';
const PAYROLL = 'https://payroll.example';

/** An `agent_task` entry asking to read ticket T-1. */
const readT1 = (extra: Record<string, unknown> = {}) => ({
  type: 'agent_task',
  locations: [TICKETS],
  actions: ['tickets:read'],
  purpose: 'triage ticket T-1',
  targets: ['T-1'],
  ...extra,
});

/**
 * RFC 8707 `resource` and RFC 9396 `authorization_details` at the token endpoint, on the real
 * server and Redis: how the resource is named, the intent's standard form, and that the legacy
 * `intent` and the details give the same decisions and tokens.
 */
describe('resource indicators and authorization details', () => {
  let t: TestBroker;
  let redis: Redis;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    redis = await connectRedis();
    t = await startRedisBroker(prefix);
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  /** A JSON exchange for the triage agent: `fields` replace the request's naming and intent. */
  const exchange = async (fields: Record<string, unknown>) =>
    checkedFetch(`${t.url}/token-exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await t.td.svid({ path: '/agent/triage' }),
        subject_token_type: JWT,
        ...fields,
      }),
    });
  const intent = { purpose: 'triage ticket T-1', targets: ['T-1'] };

  describe('resource (RFC 8707)', () => {
    it('names the resource by its audience URI; the token is for exactly that audience', async () => {
      const res = await exchange({ resource: TICKETS, scope: 'tickets:read', intent });
      expect(res.status).toBe(200);
      expect(decodeJwt(res.body.access_token as string).aud).toBe(TICKETS);
    });

    it('agrees with audience naming the same resource (by name or URI)', async () => {
      for (const audience of ['tickets', TICKETS]) {
        const res = await exchange({ audience, resource: TICKETS, scope: 'tickets:read', intent });
        expect([audience, res.status]).toEqual([audience, 200]);
      }
    });

    it('refuses audience and resource naming different resources', async () => {
      const res = await exchange({
        audience: 'tickets',
        resource: PAYROLL,
        scope: 'tickets:read',
        intent,
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_target',
        error_description: `audience names ${TICKETS} and resource names ${PAYROLL}: a token has one audience`,
      });
    });

    it('refuses several resource values, form or JSON', async () => {
      const json = await exchange({ resource: [TICKETS, TICKETS], scope: 'tickets:read', intent });
      expect(json.status).toBe(400);
      expect(json.body.error).toBe('invalid_target');
      const form = new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await t.td.svid({ path: '/agent/triage' }),
        subject_token_type: JWT,
        scope: 'tickets:read',
        intent: JSON.stringify(intent),
      });
      form.append('resource', TICKETS);
      form.append('resource', PAYROLL);
      const res = await checkedFetch(`${t.url}/token-exchange`, { method: 'POST', body: form });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_target',
        error_description:
          'resource is given more than once: a token has one audience; ask for one token per resource',
      });
    });

    it('refuses an unknown resource, or one that is not an absolute URI', async () => {
      const unknown = await exchange({
        resource: 'https://billing.example',
        scope: 'tickets:read',
        intent,
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toEqual({
        error: 'invalid_target',
        error_description: 'resource "https://billing.example" is not served by this broker',
      });
      for (const resource of ['tickets', `${TICKETS}#frag`, 7]) {
        const res = await exchange({ resource, scope: 'tickets:read', intent });
        expect([resource, res.status, res.body.error]).toEqual([resource, 400, 'invalid_target']);
      }
    });
  });

  describe('authorization_details (RFC 9396)', () => {
    it('declares the intent; token, response and introspection carry what was granted', async () => {
      const details = [
        readT1({ actions: ['tickets:read', 'tickets:write'], targets: ['T-1', 'T-2'] }),
      ];
      const res = await exchange({ authorization_details: details, task_id: 'rar-1' });
      expect(res.status).toBe(200);
      const granted = [
        {
          type: 'agent_task',
          locations: [TICKETS],
          actions: ['tickets:read', 'tickets:write'],
          purpose: 'triage ticket T-1',
          targets: ['T-1', 'T-2'],
          sensitivity: 'internal',
          tier: 'write',
          task_id: 'rar-1',
        },
      ];
      expect(res.body.authorization_details).toEqual(granted);
      expect(res.body.scope).toBe('tickets:read tickets:write');
      const token = res.body.access_token as string;
      const jwks = createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(token, jwks, { audience: TICKETS, typ: 'at+jwt' });
      expect(payload.authorization_details).toEqual(granted);
      expect(payload.targets).toEqual(['T-1', 'T-2']);
      const answer = await introspect(t.url, token);
      expect(answer).toMatchObject({ active: true, authorization_details: granted });
      expect(answer.targets).toEqual(['T-1', 'T-2']);
    });

    it('takes the details as JSON text in a form body, with scope added to the actions', async () => {
      const form = new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: await t.td.svid({ path: '/agent/triage' }),
        subject_token_type: JWT,
        scope: 'tickets:write',
        authorization_details: JSON.stringify([readT1()]),
      });
      const res = await checkedFetch(`${t.url}/token-exchange`, { method: 'POST', body: form });
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('tickets:write tickets:read');
    });

    it('refuses malformed details and unknown types with invalid_authorization_details', async () => {
      const cases: [unknown, string][] = [
        ['[{', 'authorization_details is not valid JSON'],
        [[], 'authorization_details is empty'],
        [
          [readT1({ type: 'openid_credential' })],
          'authorization_details[0].type "openid_credential" is not supported; use "agent_task"',
        ],
        [[readT1({ purpose: '' })], 'authorization_details[0].purpose is empty'],
      ];
      for (const [details, description] of cases) {
        const res = await exchange({ authorization_details: details });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({
          error: 'invalid_authorization_details',
          error_description: description,
        });
      }
    });

    it('refuses entries naming several resources: a token has one audience', async () => {
      const res = await exchange({
        authorization_details: [readT1(), readT1({ locations: [PAYROLL] })],
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_authorization_details',
        error_description: `authorization_details name ${TICKETS} and ${PAYROLL}: a token has one audience; ask for one token per resource`,
      });
      const against = await exchange({ resource: PAYROLL, authorization_details: [readT1()] });
      expect(against.body.error).toBe('invalid_authorization_details');
    });

    it('refuses details wider than policy allows, as it refuses the same scopes', async () => {
      // the triage agent never writes restricted data (guardrails: no-writes-to-restricted)
      const wide = readT1({ locations: [PAYROLL], actions: ['payroll:write'] });
      const res = await exchange({ authorization_details: [wide] });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'invalid_scope', refused_scopes: ['payroll:write'] });
      const unknown = await exchange({
        authorization_details: [readT1({ actions: ['tickets:x'] })],
      });
      expect(unknown.body).toMatchObject({ error: 'invalid_scope', refused_scopes: ['tickets:x'] });
    });

    it('refuses intent and authorization_details together: the intent is declared once', async () => {
      const res = await exchange({ intent, authorization_details: [readT1()] });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'invalid_request',
        error_description:
          'intent and authorization_details are both given: declare the intent once',
      });
    });
  });

  describe('the legacy intent and authorization_details are one model', () => {
    /** A token's claims without what differs between any two tokens (ids and times). */
    const comparable = (token: string) => {
      const claims = decodeJwt(token);
      const lifetime = claims.exp! - claims.iat!;
      for (const varying of ['jti', 'iat', 'nbf', 'exp']) delete claims[varying];
      return { ...claims, lifetime };
    };
    /** An answer without what differs between any two answers (the token and grant id). */
    const answered = (body: Record<string, unknown>) => {
      const copy = { ...body };
      delete copy.access_token;
      delete copy.grant_id;
      return copy;
    };

    it('gives identical tokens for the same request sent either way', async () => {
      const legacy = await exchange({
        audience: 'tickets',
        scope: 'tickets:read tickets:write',
        intent: { purpose: 'label tickets', targets: ['T-7'], sensitivity: 'confidential' },
        task_id: 'same-1',
      });
      const rar = await exchange({
        authorization_details: [
          {
            type: 'agent_task',
            locations: [TICKETS],
            actions: ['tickets:read', 'tickets:write'],
            purpose: 'label tickets',
            targets: ['T-7'],
            sensitivity: 'confidential',
          },
        ],
        task_id: 'same-1',
      });
      expect([legacy.status, rar.status]).toEqual([200, 200]);
      expect(comparable(rar.body.access_token as string)).toEqual(
        comparable(legacy.body.access_token as string),
      );
      expect(answered(rar.body)).toEqual(answered(legacy.body));
    });

    it('gives identical decisions: the same refusal naming the same scopes', async () => {
      const refusedLegacy = await exchange({
        audience: 'tickets',
        scope: 'tickets:delete',
        intent: { purpose: 'clean up', targets: ['T-9'] },
      });
      const refusedRar = await exchange({
        authorization_details: [
          readT1({ actions: ['tickets:delete'], purpose: 'clean up', targets: ['T-9'] }),
        ],
      });
      expect(refusedLegacy.body).toMatchObject({ error: 'invalid_scope' });
      expect(refusedRar.body).toEqual(refusedLegacy.body);
    });
  });
});
