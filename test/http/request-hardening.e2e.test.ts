import { gzipSync } from 'node:zlib';
import { deleteKeys, connectRedis, uniquePrefix } from '../grants/redis-support.js';
import { eventually } from '../support/eventually.js';
import { captureLogs, type LogCapture } from '../support/log-capture.js';
import { checkedFetch, checkedStream } from '../support/openapi-contract.js';
import { openRaw, rawRequest } from '../support/raw-http.js';
import type { TestBroker } from '../support/test-broker.js';
import { OPERATOR_KEYS, startRedisBroker } from '../e2e/redis-broker.js';

const EXCHANGE_BODY = {
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
  subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
  audience: 'tickets',
  scope: 'tickets:read',
  intent: { purpose: 'triage ticket T-1', targets: ['T-1'] },
};

/** What the broker does with requests that are malformed below the JSON: encoding, size, auth. */
describe('requests a client gets wrong on the wire', () => {
  let t: TestBroker;
  let logs: LogCapture;
  const prefix = uniquePrefix();
  beforeAll(async () => {
    logs = captureLogs('debug');
    t = await startRedisBroker(prefix, { deps: { logger: logs.logger } });
  });
  afterAll(async () => {
    await t.close();
    const redis = await connectRedis();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const errorLines = () => logs.lines().filter((l) => (l.level as number) >= 50);

  it('answers a body its Content-Encoding cannot decode with 400 invalid_request', async () => {
    const svid = await t.td.svid({ path: '/agent/triage' });
    const good = gzipSync(JSON.stringify({ ...EXCHANGE_BODY, subject_token: svid }));
    for (const [encoding, body] of [
      ['gzip', Buffer.from('this is not gzip at all')],
      ['gzip', good.subarray(0, good.length - 8)],
      ['deflate', Buffer.from('nor deflate')],
      ['br', Buffer.from('nor brotli')],
    ] as const) {
      const res = await checkedFetch(`${t.url}/token-exchange`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body,
      });
      expect({ encoding, status: res.status, body: res.body }).toEqual({
        encoding,
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: 'request body could not be decoded as its Content-Encoding says',
        },
      });
    }
    const decoded = await checkedFetch(`${t.url}/token-exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: good,
    });
    expect(decoded.status).toBe(200);
    expect(errorLines()).toEqual([]);
  });

  it('writes a client that hangs up mid-body as one debug line, not an error', async () => {
    const from = logs.raw.length;
    const client = await openRaw(t.url);
    const arrived = new Promise((resolve) => t.running.server.once('request', resolve));
    client.write(
      rawRequest(
        'POST',
        '/token-exchange',
        { 'Content-Type': 'application/json', 'Content-Length': '4000', 'X-Request-Id': 'gone-1' },
        '{"grant_type":',
      ),
    );
    await arrived;
    client.destroy();
    const seen = () => logs.lines().slice(from);
    await eventually(
      () => seen().some((l) => l.request_id === 'gone-1'),
      'the broker noticing the client left',
    );
    expect(seen().filter((l) => l.request_id === 'gone-1')).toEqual([
      expect.objectContaining({
        level: 20,
        msg: 'client closed the connection before its request was read',
        method: 'POST',
        path: '/token-exchange',
      }),
    ]);
    expect(errorLines()).toEqual([]);
  });

  it('answers a declared Content-Length over the limit with 413 without waiting for the body', async () => {
    const client = await openRaw(t.url);
    client.write(
      rawRequest('POST', '/token-exchange', {
        'Content-Type': 'application/json',
        'Content-Length': String(1024 * 1024 * 1024),
      }),
    );
    const answer = await client.nextResponse();
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({
      error: 'invalid_request',
      error_description: 'request body is larger than 16384 bytes',
    });
    await client.closed;
  });

  it('reads the Bearer scheme in any case, for operator keys and agent tokens', async () => {
    const agent = encodeURIComponent(`spiffe://${t.td.trustDomain}/agent/triage-case`);
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const res = await checkedFetch(`${t.url}/v1/tasks?agent=${agent}`, {
        headers: { authorization: `${scheme} ${OPERATOR_KEYS.viewer.key}` },
      });
      expect({ scheme, status: res.status }).toEqual({ scheme, status: 200 });
    }
    const issued = await t.exchange({});
    const { access_token: token, task_id: task } = issued.body as Record<string, string>;
    const done = await checkedFetch(`${t.url}/v1/tasks/${task}/complete`, {
      method: 'POST',
      headers: { authorization: `bearer ${token}` },
    });
    expect(done.body).toMatchObject({ status: 'completed' });
    const other = await checkedFetch(`${t.url}/v1/tasks?agent=${agent}`, {
      headers: { authorization: `Basic ${OPERATOR_KEYS.viewer.key}` },
    });
    expect(other.status).toBe(401);
  });

  it('sends X-Content-Type-Options: nosniff on every answer', async () => {
    const viewer = { authorization: `Bearer ${OPERATOR_KEYS.viewer.key}` };
    const answers = [
      await checkedFetch(`${t.url}/healthz`),
      await checkedFetch(`${t.url}/metrics`),
      await checkedFetch(`${t.url}/.well-known/jwks.json`),
      await checkedFetch(`${t.url}/.well-known/oauth-authorization-server`),
      await checkedFetch(`${t.url}/v1/tasks?status=sleeping`, { headers: viewer }),
      await checkedFetch(`${t.url}/v1/grants`),
      await checkedFetch(`${t.url}/token-exchange`, { method: 'POST', body: 'x' }),
      await fetch(`${t.url}/no/such/route`),
    ];
    const abort = new AbortController();
    const stream = await checkedStream(`${t.url}/v1/revocations/stream`, {
      headers: viewer,
      signal: abort.signal,
    });
    answers.push(stream);
    abort.abort();
    expect(answers.map((a) => [a.status, a.headers.get('x-content-type-options')])).toEqual([
      [200, 'nosniff'],
      [200, 'nosniff'],
      [200, 'nosniff'],
      [200, 'nosniff'],
      [400, 'nosniff'],
      [401, 'nosniff'],
      [415, 'nosniff'],
      [404, 'nosniff'],
      [200, 'nosniff'],
    ]);
  });
});
