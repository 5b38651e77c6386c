import { postJwtBearer, type ExchangeAnswer } from '../../support/post-exchange.js';
import type { TestBroker } from '../../support/test-broker.js';

let next = 0;

/** Granted exchanges so far, as the broker's metrics count them. */
export async function grantedCount(t: TestBroker): Promise<number> {
  const metric = await t.broker.metrics.exchanges.get();
  return metric.values.find((v) => v.labels.outcome === 'granted')?.value ?? 0;
}

/** The agent id a token claims to be (best effort, for looking its task up). */
function claimedAgent(token: string): string {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      iss?: unknown;
      sub?: unknown;
    };
    if (typeof claims.sub === 'string' && claims.sub.startsWith('spiffe')) return claims.sub;
    return `${String(claims.iss)}#${String(claims.sub)}`;
  } catch {
    return 'spiffe://test.example/agent/triage';
  }
}

/**
 * Presents `token` through the real HTTP server twice, as a token exchange's `subject_token` and
 * as a jwt-bearer grant's `assertion` (RFC 7523), and asserts what an attacker sees: 400 with
 * invalid_request (RFC 8693) or invalid_grant (RFC 7523 section 3.1), the same reason class in
 * a description that echoes no part of the token, no access token; and what the operator sees:
 * no task recorded, no grant counted.
 */
export async function expectRefused(
  t: TestBroker,
  token: string,
  reason: RegExp,
  agent: string = claimedAgent(token),
): Promise<void> {
  const before = await grantedCount(t);
  const viaExchange = `sec-${process.pid}-${next++}`;
  const exchanged = await t.exchange({ subject_token: token, task_id: viaExchange });
  expectAnswer(exchanged, token, reason, 'invalid_request', /^subject_token rejected: /);
  const viaAssertion = `sec-${process.pid}-${next++}`;
  const asserted = await postJwtBearer(t.url, token, { task_id: viaAssertion });
  expectAnswer(asserted, token, reason, 'invalid_grant', /^assertion rejected: /);
  expect(exchanged.body.error_description).toBe(
    String(asserted.body.error_description).replace(/^assertion/, 'subject_token'),
  );
  expect(await t.broker.store.getTask(agent, viaExchange)).toBeNull();
  expect(await t.broker.store.getTask(agent, viaAssertion)).toBeNull();
  expect(await grantedCount(t)).toBe(before);
}

function expectAnswer(
  res: ExchangeAnswer,
  token: string,
  reason: RegExp,
  error: string,
  opening: RegExp,
): void {
  expect(res.body.error_description).toMatch(reason);
  expect(res.body.error_description).toMatch(opening);
  expect(res.status).toBe(400);
  expect(res.body.error).toBe(error);
  expect(res.body).not.toHaveProperty('access_token');
  const description = String(res.body.error_description);
  for (const part of token.split('.')) {
    if (part.length >= 12) expect(description).not.toContain(part.slice(0, 12));
  }
}

/** Exchanges `token` and asserts it is granted: the control that makes a refusal meaningful. */
export async function expectGranted(t: TestBroker, token: string): Promise<void> {
  const res = await t.exchange({ subject_token: token });
  expect(res.body.error_description).toBeUndefined();
  expect(res.status).toBe(200);
}
