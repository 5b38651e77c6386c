import { startTestBroker, type TestBroker } from '../support/test-broker.js';

/** Every refusal of the exchange endpoint, as an agent sees it on the wire. */
describe('POST /token-exchange refusals', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker();
  });
  afterAll(() => t.close());

  /** POSTs a raw body to the exchange endpoint. */
  async function post(body: string | URLSearchParams, contentType?: string) {
    const res = await fetch(`${t.url}/token-exchange`, {
      method: 'POST',
      ...(contentType ? { headers: { 'content-type': contentType } } : {}),
      body,
    });
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown>,
      headers: res.headers,
    };
  }

  function expectRefusal(
    res: { status: number; body: Record<string, unknown>; headers: Headers },
    status: number,
    error: string,
    description: RegExp,
  ): void {
    expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
    expect(res.body.error_description).toMatch(description);
    expect(res.body).not.toHaveProperty('access_token');
    expect(res.headers.get('cache-control')).toBe('no-store');
  }

  it('refuses a wrong or missing grant_type with unsupported_grant_type', async () => {
    expectRefusal(
      await t.exchange({ grant_type: 'client_credentials' }),
      400,
      'unsupported_grant_type',
      /grant_type must be/,
    );
    expectRefusal(
      await t.exchange({ grant_type: undefined }),
      400,
      'unsupported_grant_type',
      /grant_type is missing/,
    );
  });

  it('refuses a missing subject_token with invalid_request naming it', async () => {
    expectRefusal(
      await t.exchange({ subject_token: undefined }),
      400,
      'invalid_request',
      /subject_token is missing/,
    );
  });

  it('refuses a malformed subject token with invalid_request (RFC 8693 2.2.2)', async () => {
    expectRefusal(
      await t.exchange({ subject_token: 'not.a.jwt' }),
      400,
      'invalid_request',
      /subject_token rejected: malformed/,
    );
  });

  it('refuses an expired subject token without echoing it', async () => {
    const token = await t.td.svid({ expiresIn: -120 });
    const res = await t.exchange({ subject_token: token });
    expectRefusal(res, 400, 'invalid_request', /subject_token rejected: expired/);
    expect(JSON.stringify(res.body)).not.toContain(token.split('.')[1]);
  });

  it('refuses a subject token for another audience', async () => {
    expectRefusal(
      await t.exchange({ subject_token: await t.td.svid({ audience: 'someone-else' }) }),
      400,
      'invalid_request',
      /wrong audience/,
    );
  });

  it('refuses a subject token type it does not accept', async () => {
    expectRefusal(
      await t.exchange({ subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' }),
      400,
      'invalid_request',
      /subject_token_type .* is not accepted/,
    );
  });

  it('refuses an audience outside the catalogue with invalid_target naming it', async () => {
    expectRefusal(
      await t.exchange({ audience: 'billing' }),
      400,
      'invalid_target',
      /audience "billing" is not served/,
    );
  });

  it('refuses an unknown scope with invalid_scope naming it', async () => {
    const res = await t.exchange({ scope: 'tickets:read tickets:admin' });
    expectRefusal(res, 400, 'invalid_scope', /unknown scope for tickets: tickets:admin/);
    expect(res.body.refused_scopes).toEqual(['tickets:admin']);
  });

  it('refuses a scope that policy denies with invalid_scope naming it, and grants nothing', async () => {
    const res = await t.exchange({
      audience: 'payroll',
      scope: 'payroll:read payroll:write',
      task_id: 'T-denied',
    });
    expectRefusal(res, 400, 'invalid_scope', /policy refused scope: payroll:read payroll:write/);
    expect(res.body.refused_scopes).toEqual(['payroll:read', 'payroll:write']);
    expect(
      await t.broker.store.getTask('spiffe://test.example/agent/triage', 'T-denied'),
    ).toBeNull();
  });

  it('refuses the whole request when one of its scopes is denied (all or nothing)', async () => {
    const res = await t.exchange({
      subject_token: await t.td.svid({ path: '/agent/reader' }),
      scope: 'tickets:read tickets:write',
    });
    expectRefusal(res, 400, 'invalid_scope', /policy refused scope: tickets:write$/);
  });

  it('refuses an empty scope and a missing intent', async () => {
    expectRefusal(await t.exchange({ scope: '  ' }), 400, 'invalid_scope', /scope is empty/);
    expectRefusal(
      await t.exchange({ intent: undefined }),
      400,
      'invalid_request',
      /intent is missing/,
    );
    expectRefusal(
      await t.exchange({ intent: { targets: [] } }),
      400,
      'invalid_request',
      /intent.purpose/,
    );
  });

  it('never ignores an actor_token: refused, not minted as if it were absent', async () => {
    const actor = await t.td.svid({ path: '/agent/summarizer' });
    const jwt = 'urn:ietf:params:oauth:token-type:jwt';
    expectRefusal(
      await t.exchange({ actor_token: actor, actor_token_type: jwt }),
      400,
      'invalid_request',
      /^subject_token rejected: a delegation starts from an unexpired access token of this broker/,
    );
    expectRefusal(
      await t.exchange({ actor_token: actor }),
      400,
      'invalid_request',
      /actor_token is given without actor_token_type/,
    );
    expectRefusal(
      await t.exchange({ actor_token_type: jwt }),
      400,
      'invalid_request',
      /actor_token_type is given without actor_token/,
    );
  });

  it('refuses a task_id with characters outside its alphabet', async () => {
    expectRefusal(await t.exchange({ task_id: 'a:b' }), 400, 'invalid_request', /task_id must be/);
  });

  it('answers 413 for a body over 16 KiB, before parsing it', async () => {
    const res = await t.exchange({ intent: { purpose: 'x'.repeat(17 * 1024) } });
    expectRefusal(res, 413, 'invalid_request', /larger than 16384 bytes/);
  });

  it('answers 415 for a body that is neither form nor JSON', async () => {
    expectRefusal(await post('hi', 'text/plain'), 415, 'invalid_request', /Content-Type/);
  });

  it('answers 400 for a JSON body that does not parse', async () => {
    expectRefusal(
      await post('{"grant_type":', 'application/json'),
      400,
      'invalid_request',
      /not valid JSON/,
    );
  });

  it('refuses a parameter given twice in a form body', async () => {
    const form = new URLSearchParams([
      ['grant_type', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      ['subject_token', await t.td.svid()],
      ['subject_token_type', 'urn:ietf:params:oauth:token-type:jwt'],
      ['audience', 'tickets'],
      ['audience', 'payroll'],
      ['scope', 'tickets:read'],
      ['intent', '{"purpose":"x"}'],
    ]);
    expectRefusal(await post(form), 400, 'invalid_request', /audience must be given once/);
  });

  it('answers 404 in the same error shape for an unknown route', async () => {
    const res = await fetch(`${t.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: 'not_found',
      error_description: 'no route for GET /nope',
    });
  });
});
