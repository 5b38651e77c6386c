import { openRaw, rawRequest } from '../support/raw-http.js';
import { startTestBroker, type TestBroker } from '../support/test-broker.js';

const FIELDS = {
  grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
  subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
  audience: 'tickets',
  scope: 'tickets:read',
  intent: JSON.stringify({ purpose: 'triage ticket T-1', targets: ['T-1'] }),
};

/** The token endpoint reads its body on node:http alone; what a client sees of that reading. */
describe('the token endpoint body', () => {
  let t: TestBroker;
  let svid: string;
  beforeAll(async () => {
    t = await startTestBroker();
    svid = await t.td.svid({ path: '/agent/triage' });
  });
  afterAll(() => t.close());

  const post = (body: string, headers: Record<string, string>, path = '/token-exchange') =>
    fetch(`${t.url}${path}`, { method: 'POST', headers, body }).then(async (res) => ({
      status: res.status,
      headers: res.headers,
      body: (await res.json()) as Record<string, unknown>,
    }));
  const form = (extra: Record<string, string> = {}) =>
    new URLSearchParams({ ...FIELDS, subject_token: svid, ...extra }).toString();

  it('grants a form body, and answers with no-store, no-cache, nosniff and a JSON type', async () => {
    const res = await post(form(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('answers the path in any case and with a trailing slash, as the other routes do', async () => {
    for (const path of ['/Token-Exchange', '/token-exchange/', '/token-exchange?x=1']) {
      const res = await post(form(), { 'content-type': 'application/x-www-form-urlencoded' }, path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
    const get = await fetch(`${t.url}/token-exchange`);
    expect(get.status).toBe(404);
  });

  it('reads an ISO-8859-1 form and its percent escapes as that charset', async () => {
    const body = `${new URLSearchParams({ ...FIELDS, subject_token: svid, intent: '' }).toString().replace('&intent=', '')}&intent=${encodeURIComponent('{"purpose":"caf')}%E9${encodeURIComponent('","targets":["T-1"]}')}`;
    const res = await post(body, {
      'content-type': 'application/x-www-form-urlencoded; charset=ISO-8859-1',
    });
    expect(res.status).toBe(200);
    expect((res.body.authorization_details as { purpose: string }[])[0]!.purpose).toBe('café');
  });

  it('refuses a repeated parameter and more than 64 parameters', async () => {
    const repeated = await post(`${form()}&scope=tickets:write`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    // read as a list, as before: the scope parameter is then not one string
    expect(repeated.status).toBe(400);
    expect(repeated.body.error_description).toMatch(/scope/);
    const many = Array.from({ length: 64 }, (_, i) => `p${i}=1`).join('&');
    const tooMany = await post(`${form()}&${many}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error_description).toBe('request has too many parameters');
  });

  it('refuses JSON in another charset than UTF-8, a malformed type, a bare JSON scalar', async () => {
    const json = JSON.stringify({ ...FIELDS, subject_token: svid });
    for (const type of ['application/json; charset=utf-16', 'application/json; charset']) {
      const res = await post(json, { 'content-type': type });
      expect({ type, status: res.status }).toEqual({ type, status: 415 });
    }
    const scalar = await post('"token"', { 'content-type': 'application/json' });
    expect(scalar.status).toBe(400);
    expect(scalar.body.error_description).toBe('request body is not valid JSON');
    const bom = await post(`\uFEFF${json}`, { 'content-type': 'application/json' });
    expect(bom.status).toBe(200);
  });

  it('answers a chunked body growing past the limit with 413 and ends the connection', async () => {
    const client = await openRaw(t.url);
    client.write(
      rawRequest('POST', '/token-exchange', {
        'Content-Type': 'application/json',
        'Transfer-Encoding': 'chunked',
      }),
    );
    const chunk = 'x'.repeat(8192);
    for (let i = 0; i < 3; i++) client.write(`${(8192).toString(16)}\r\n${chunk}\r\n`);
    const answer = await client.nextResponse();
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({
      error: 'invalid_request',
      error_description: 'request body is larger than 16384 bytes',
    });
    await client.closed;
  });
});
