import { generateApiKey } from '../../src/operators/api-keys.js';
import { expectDocumented } from '../support/openapi-contract.js';
import { startTestBroker, TEST_RESOURCES, type TestBroker } from '../support/test-broker.js';

const approver = generateApiKey();

/** Text that would make an approver's or operator's screen show something other than it is. */
const HOSTILE: [string, string, string][] = [
  ['CR/LF', 'preview-42\r\nApproved-By: security', 'a control character (U+000D)'],
  ['an ANSI escape', 'preview-42\u001b[2K\u001b[1Gproduction', 'a control character (U+001B)'],
  [
    'a right-to-left override',
    'preview\u202E24-noitcudorp',
    'a bidirectional or invisible formatting character (U+202E)',
  ],
  ['C1 NEL', 'preview-42\u0085production', 'a control character (U+0085)'],
];

describe('intent text an approver or operator reads is refused when it could mislead', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker({
      config: {
        resources: TEST_RESOURCES,
        operators: { api_keys: [{ name: 'alice', sha256: approver.sha256, roles: ['approver'] }] },
      },
    });
  });
  afterAll(() => t.close());

  it.each(HOSTILE)('refuses %s in intent.purpose, naming the field', async (_name, text, what) => {
    const res = await t.exchange({ intent: { purpose: `triage ${text}`, targets: ['T-1'] } });
    expectDocumented('POST', '/token-exchange', res);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toBe(`intent.purpose contains ${what}`);
  });

  it.each(HOSTILE)('refuses %s in intent.targets, naming the entry', async (_name, text, what) => {
    const res = await t.exchange({ intent: { purpose: 'triage', targets: ['T-1', text] } });
    expectDocumented('POST', '/token-exchange', res);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toBe(`intent.targets[1] contains ${what}`);
  });

  it('still takes printable text in any script', async () => {
    const res = await t.exchange({ intent: { purpose: 'Überprüfung 測試', targets: ['T-1'] } });
    expect(res.status).toBe(200);
  });

  it.each(HOSTILE)("refuses %s in an approver's reason", async (_name, text, what) => {
    const res = await fetch(`${t.url}/v1/approvals/apr_whatever`, {
      method: 'POST',
      headers: { authorization: `Bearer ${approver.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'approve', reason: `ok ${text}` }),
    });
    const answer = { status: res.status, headers: res.headers, body: await res.json() };
    expectDocumented('POST', '/v1/approvals/{id}', answer);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'invalid_request' });
    expect((answer.body as { error_description: string }).error_description).toContain(
      `reason contains ${what}`,
    );
  });
});
