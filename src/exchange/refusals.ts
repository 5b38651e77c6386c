import type { Approval } from '../approvals/approval.js';
import { AWS_CREDENTIALS_TOKEN_TYPE } from '../aws/aws-credential-issuer.js';
import { isMandateError, MandateError } from '../errors.js';
import type { GrantRefusal } from '../grants/grant-store.js';
import { ACCESS_TOKEN_TYPE } from './exchange-request.js';

/**
 * Token types an agent may ask for with `requested_token_type`: access tokens for an API
 * resource, AWS credentials for a `kind: aws` one (the pairing: exchange/aws-answer.ts).
 */
const ISSUABLE_TYPES = new Set([
  ACCESS_TOKEN_TYPE,
  'urn:ietf:params:oauth:token-type:jwt',
  AWS_CREDENTIALS_TOKEN_TYPE,
]);

/** Refuses a `requested_token_type` the broker does not issue for an API resource. */
export function assertIssuable(requestedTokenType: string | undefined): void {
  if (requestedTokenType !== undefined && !ISSUABLE_TYPES.has(requestedTokenType))
    throw new MandateError(
      'invalid_request',
      `requested_token_type ${requestedTokenType} is not issued for this audience`,
    );
}

/** How every refusal of the subject token begins (identity/subject-refusal, intent's expiry). */
const SUBJECT_REFUSED = 'subject_token rejected: ';

/**
 * A refusal as a jwt-bearer grant answers it: an assertion that is not acceptable (untrusted,
 * forged, expired, wrong audience...) is `invalid_grant` (RFC 7523 section 3.1), where a token
 * exchange says `invalid_request` (RFC 8693 section 2.2.2); every other refusal is the same.
 */
export function asAssertionRefusal(err: unknown): unknown {
  if (!isMandateError(err) || err.code !== 'invalid_request') return err;
  if (!err.message.startsWith(SUBJECT_REFUSED)) return err;
  return new MandateError(
    'invalid_grant',
    `assertion rejected: ${err.message.slice(SUBJECT_REFUSED.length)}`,
    { cause: err },
  );
}

/**
 * The refusal that tells the agent which approval to wait for (its scopes: on a partial resource
 * only those an operator can approve) and repeat the exchange with.
 */
export function approvalRequired(pending: Approval, nowMs: number): MandateError {
  return new MandateError(
    'approval_required',
    `${pending.tier} access to ${pending.resource} (scope "${pending.scopes.join(' ')}") needs an operator's approval; repeat the exchange with approval_id once approved`,
    {
      details: {
        approval_id: pending.id,
        task_id: pending.taskId,
        // An identical re-ask gets the approval already pending: what is left of its lifetime.
        expires_in: Math.max(1, Math.round((pending.expiresAt - nowMs) / 1000)),
      },
    },
  );
}

/** Turns a store refusal into the error an agent can act on. */
export function refusalFor(refusal: GrantRefusal, taskId: string): MandateError {
  switch (refusal.reason) {
    case 'agent_blocked':
      return new MandateError('access_denied', 'agent is blocked by an operator');
    case 'task_expired':
      return new MandateError(
        'invalid_request',
        `task ${taskId} has reached its maximum age; start a new task`,
      );
    case 'task_not_active':
      if (refusal.status === 'halted')
        return new MandateError(
          'task_halted',
          `task ${taskId} is halted${refusal.rule ? ` by loop rule ${refusal.rule}` : ''}; an operator can resume it`,
          refusal.rule ? { details: { rule: refusal.rule } } : {},
        );
      if (refusal.status === 'revoked')
        return new MandateError('access_denied', `task ${taskId} was revoked`);
      return new MandateError(
        'invalid_request',
        `task ${taskId} is ${refusal.status}; start a new task`,
      );
    case 'rate_limited':
      return new MandateError('rate_limited', 'too many exchanges by this agent; slow down', {
        retryAfter: refusal.retryAfterSeconds,
      });
    case 'agent_revoked_now':
      return new MandateError(
        'temporarily_unavailable',
        'the agent was revoked in this very second; a new task may start in the next one',
        { retryAfter: refusal.retryAfterSeconds },
      );
    case 'too_many_tasks':
      return new MandateError(
        'rate_limited',
        `the agent holds ${refusal.limit} active tasks (limits.max_live_tasks); complete one before starting another`,
        { retryAfter: refusal.retryAfterSeconds },
      );
    case 'loop_tripped': {
      const { rule, count, limit, windowSeconds } = refusal.trip;
      const within = windowSeconds === undefined ? '' : ` within ${windowSeconds}s`;
      return new MandateError(
        'task_halted',
        `task ${taskId} is halted by loop rule ${rule} (${count} > ${limit}${within}); its grants are revoked and an operator can resume it`,
        { details: { rule } },
      );
    }
  }
}
