import { loadApiContract } from '../support/openapi-contract.js';

const contract = loadApiContract();
const json = new Headers({
  'content-type': 'application/json; charset=utf-8',
  'x-content-type-options': 'nosniff',
});
const refusal = (fields: Record<string, unknown>) =>
  JSON.stringify({ error: 'not_found', error_description: 'no task T-1', ...fields });

/** The checker the e2e tests rely on refuses each kind of drift from openapi.yaml. */
describe('the openapi.yaml contract checker', () => {
  const check =
    (method: string, url: string, status: number, body: string, headers = json) =>
    () =>
      contract.check({ method, url, status, headers, body });

  it('accepts a documented answer, found by its path template', () => {
    expect(check('GET', '/v1/tasks/T-1?agent=a', 404, refusal({}))).not.toThrow();
    expect([...contract.validated()]).toEqual(['GET /v1/tasks/{task_id} 404']);
  });

  it('refuses an undocumented route, status or content type', () => {
    expect(check('DELETE', '/v1/tasks/T-1', 404, refusal({}))).toThrow(/no operation/);
    expect(check('GET', '/healthz', 404, refusal({}))).toThrow(/status not documented/);
    const text = new Headers({ 'content-type': 'text/html', 'x-content-type-options': 'nosniff' });
    expect(check('GET', '/v1/tasks/T-1', 404, '<p>no</p>', text)).toThrow(/content type/);
  });

  it('refuses a body outside the schema: an unknown member, a wrong code, a missing member', () => {
    expect(check('GET', '/v1/tasks/T-1', 404, refusal({ stack: 'at x' }))).toThrow(
      /does not match/,
    );
    expect(check('GET', '/v1/tasks/T-1', 404, refusal({ error: 'nope' }))).toThrow(
      /does not match/,
    );
    const asked = { error: 'approval_required', error_description: 'ask' };
    expect(check('POST', '/token-exchange', 403, JSON.stringify(asked))).toThrow(/does not match/);
  });

  it('refuses a body where none is documented, and a missing required header', () => {
    expect(check('POST', '/revoke', 200, '{}')).toThrow(/without a body/);
    const down = JSON.stringify({ error: 'temporarily_unavailable', error_description: 'retry' });
    expect(check('POST', '/token-exchange', 503, down)).toThrow(/Retry-After/);
    const sniffable = new Headers({ 'content-type': 'application/json' });
    expect(check('GET', '/v1/tasks/T-1', 404, refusal({}), sniffable)).toThrow(
      /X-Content-Type-Options is missing/,
    );
  });
});
