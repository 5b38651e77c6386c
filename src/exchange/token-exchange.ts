import type { ApprovalGate } from '../approvals/approval-gate.js';
import type { Approval } from '../approvals/approval.js';
import type { AuditLog } from '../audit/audit-log.js';
import { MandateError, isMandateError } from '../errors.js';
import type { GrantLedger } from '../grants/grant-ledger.js';
import type { GrantRecord, GrantRefusal, TaskState } from '../grants/grant-records.js';
import {
  intentFingerprint,
  type LoopLimits,
  type LoopTrip,
  type RateLimit,
} from '../grants/loop-rules.js';
import type { SubjectVerifier } from '../identity/verify-subject-token.js';
import type { Catalogue } from '../intent/catalogue.js';
import type { Intent } from '../intent/intent.js';
import {
  resolveIntent,
  type IntentRequest,
  type SensitivityFloor,
  type TtlPolicy,
} from '../intent/resolve-intent.js';
import type { ExchangeOutcome } from '../metrics/label-values.js';
import type { Metrics } from '../metrics/metrics.js';
import { epochSeconds, type Clock } from '../platform/clock.js';
import type { IdGenerator } from '../platform/ids.js';
import type { CedarEngine, DecisionInput } from '../policy/cedar-engine.js';
import type { Decision } from '../policy/decision.js';
import { grantedScopes } from '../policy/granted-scopes.js';
import type { KeyRing } from '../tokens/key-ring.js';
import { mintAccessToken } from '../tokens/mint-token.js';
import {
  ACCESS_TOKEN_TYPE,
  type ExchangeRequest,
  type ExchangeResponse,
} from './exchange-request.js';

/** Token types an agent may ask for with `requested_token_type` for an API resource. */
const ISSUABLE_TYPES = new Set([ACCESS_TOKEN_TYPE, 'urn:ietf:params:oauth:token-type:jwt']);

/** Everything the exchange needs, each an interface built by the composition root. */
export interface TokenExchangeOptions {
  readonly issuer: string;
  readonly verifySubject: SubjectVerifier;
  readonly catalogue: Catalogue;
  readonly ttl: TtlPolicy;
  /** Lowest tier by data sensitivity. */
  readonly sensitivityFloor: SensitivityFloor;
  readonly maxTaskAgeSeconds: number;
  readonly policy: Pick<CedarEngine, 'decide' | 'readsTaskContext'>;
  readonly store: GrantLedger;
  readonly approvals: ApprovalGate;
  readonly keyRing: KeyRing;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  /** Loop rules applied as each grant is recorded; absent: off. */
  readonly loops?: LoopLimits;
  /** Per-identity exchange rate limit; absent: off. */
  readonly rateLimit?: RateLimit;
  /** Told of every loop trip (audit line and metric). */
  readonly onLoopTrip?: (trip: LoopTrip, where: { agent: string; task: string }) => void;
}

/**
 * The token-exchange sequence: verify identity, resolve intent, decide policy, record the
 * grant, mint. It knows nothing of HTTP; every refusal is a {@link MandateError}.
 *
 * @example
 * const response = await exchange.exchange(request);
 */
export class TokenExchange {
  readonly #o: TokenExchangeOptions;

  constructor(options: TokenExchangeOptions) {
    this.#o = options;
  }

  /** Runs one exchange, recording its outcome in the audit log and metrics. */
  async exchange(request: ExchangeRequest): Promise<ExchangeResponse> {
    const started = process.hrtime.bigint();
    const trail: Partial<Record<'agent' | 'task' | 'subject_token_sha256', string>> = {};
    let outcome: ExchangeOutcome = 'granted';
    try {
      return await this.#run(request, trail);
    } catch (err) {
      outcome = isMandateError(err) ? err.code : 'server_error';
      this.#o.audit.record({
        event: 'token_exchange',
        outcome: 'refused',
        ...trail,
        audience: request.audience,
        scopes: request.scopes,
        error: outcome,
        reason: isMandateError(err) ? err.message : 'internal error',
      });
      throw err;
    } finally {
      this.#o.metrics.exchanges.inc({ outcome });
      this.#o.metrics.exchangeSeconds.observe(
        { outcome: outcome === 'granted' ? 'granted' : 'refused' },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
  }

  async #run(request: ExchangeRequest, trail: Record<string, string>): Promise<ExchangeResponse> {
    const o = this.#o;
    const principal = await o.verifySubject(request.subjectToken, request.subjectTokenType);
    trail.agent = principal.agentId;
    trail.subject_token_sha256 = principal.tokenSha256;
    if (
      request.requestedTokenType !== undefined &&
      !ISSUABLE_TYPES.has(request.requestedTokenType)
    ) {
      throw new MandateError(
        'invalid_request',
        `requested_token_type ${request.requestedTokenType} is not issued for this audience`,
      );
    }
    // An approval carries the task it was asked for, so the repeat may omit task_id.
    const approval =
      request.approvalId === undefined
        ? undefined
        : await o.approvals.presented(request.approvalId, principal.agentId);
    const now = o.clock.now();
    const nowSeconds = epochSeconds(o.clock);
    const taskId = request.taskId ?? approval?.taskId ?? o.ids.taskId();
    trail.task = taskId;
    // Reading a continuing task costs a store round trip of its own, and the record script
    // refuses a task that is not active anyway, atomically. So read it only for what needs it
    // first: policy that reads context.task, and approvals (consumed or asked for a live task).
    const continuing = request.taskId !== undefined || approval !== undefined;
    const readTask = once(() =>
      continuing ? this.#activeTask(principal.agentId, taskId) : Promise.resolve(null),
    );
    const task = approval || o.policy.readsTaskContext ? await readTask() : null;
    // Lifetime: request, tier, limits, subject token here; the task's end where it is recorded.
    const resolve = (req: IntentRequest): Intent =>
      resolveIntent(req, {
        catalogue: o.catalogue,
        ttl: o.ttl,
        sensitivityFloor: o.sensitivityFloor,
        subjectExpiresAt: principal.expiresAt,
        nowSeconds,
      });
    const asked = resolve(request);
    const { decision, scopes } = await this.#authorize({
      principal,
      intent: asked,
      task: taskContext(taskId, asked.purpose, task, now),
      now,
      approval,
      beforeAsking: readTask,
    });
    // A partial grant is a smaller request: its tier and lifetime are those of what is granted.
    const intent = scopes.length === asked.scopes.length ? asked : resolve({ ...request, scopes });

    const asRequested = {
      jti: o.ids.grantId(),
      agentId: principal.agentId,
      taskId,
      resource: intent.resource.name,
      audience: intent.resource.audience,
      scopes: intent.scopes,
      tier: intent.tier,
      targets: intent.targets,
      issuedAt: nowSeconds,
      expiresAt: nowSeconds + intent.ttlSeconds,
    };
    const recorded = await o.store.recordGrant({
      grant: asRequested,
      purpose: intent.purpose,
      now,
      maxTaskAgeSeconds: o.maxTaskAgeSeconds,
      fingerprint: intentFingerprint({ ...asRequested, purpose: intent.purpose }),
      ...(o.loops ? { loops: o.loops } : {}),
      ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
    });
    if (!recorded.ok) {
      if (recorded.refusal.reason === 'loop_tripped')
        o.onLoopTrip?.(recorded.refusal.trip, { agent: principal.agentId, task: taskId });
      throw refusalFor(recorded.refusal, taskId);
    }

    // The token says what the store recorded: the lifetime may be cut to the task's end.
    const { grant } = recorded;
    if (approval) await this.#consumeApproval(approval, grant);
    const accessToken = await mintAccessToken(grant, { issuer: o.issuer, keyRing: o.keyRing });
    o.audit.record({
      event: 'token_exchange',
      outcome: 'granted',
      agent: principal.agentId,
      task: taskId,
      audience: grant.audience,
      scopes: grant.scopes,
      tier: grant.tier,
      jti: grant.jti,
      subject_token_sha256: principal.tokenSha256,
      policy_ids: decision.policyIds,
    });
    return {
      access_token: accessToken,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: grant.expiresAt - grant.issuedAt,
      scope: grant.scopes.join(' '),
      task_id: taskId,
      grant_id: grant.jti,
    };
  }

  /** The agent's task, refused unless active; null when the task is new. */
  async #activeTask(agentId: string, taskId: string): Promise<TaskState | null> {
    const task = await this.#o.store.getTask(agentId, taskId);
    if (task && task.status !== 'active')
      throw refusalFor(
        {
          reason: 'task_not_active',
          status: task.status,
          ...(task.halt ? { rule: task.halt.rule } : {}),
        },
        taskId,
      );
    return task;
  }

  /**
   * Uses the approval up once its grant is recorded, so a refusal by the store (a blocked
   * agent, a halted task, a loop rule) leaves the approval for the retry. When a concurrent
   * repeat used it first, the grant just recorded is revoked: one token per approval.
   */
  async #consumeApproval(approval: Approval, grant: GrantRecord): Promise<void> {
    try {
      await this.#o.approvals.consume(approval);
    } catch (err) {
      await this.#o.store.revokeGrant(
        grant.agentId,
        grant.jti,
        `approval ${approval.id} already used`,
      );
      throw err;
    }
  }

  /**
   * Policy and the approval gate: decides every scope (as approved when an approval was
   * presented), asks for an operator's approval when only that stands in the way, and returns
   * the scopes to grant.
   */
  async #authorize(
    input: AuthorizeInput,
  ): Promise<{ decision: Decision; scopes: readonly string[] }> {
    const { approval, beforeAsking, ...rest } = input;
    const gate = this.#o.approvals;
    const subject = approvalSubject(input.principal.agentId, input.task.id, input.intent);
    if (approval) gate.assertBound(approval, subject);
    const decide = (approved: boolean) => this.#o.policy.decide({ ...rest, approved });
    const decision = decide(approval !== undefined);
    const partial = input.intent.resource.partial === true;
    if (!approval) {
      const asApproved = () => decide(true);
      if (gate.needsApproval({ tier: input.intent.tier, partial, decision, asApproved })) {
        // An operator is never asked to approve work on a task that cannot go on.
        await beforeAsking();
        await gate.ask(subject);
      }
    }
    return { decision, scopes: grantedScopes(decision, partial) };
  }
}

type AuthorizeInput = Omit<DecisionInput, 'approved'> & {
  approval: Approval | undefined;
  /** Checks the task is active before an approval is asked for. */
  beforeAsking: () => Promise<unknown>;
};

/** Calls `fn` once, however often the result is asked for. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}

function approvalSubject(agentId: string, taskId: string, intent: Intent) {
  return {
    agentId,
    taskId,
    resource: intent.resource.name,
    audience: intent.resource.audience,
    scopes: intent.scopes,
    tier: intent.tier,
    purpose: intent.purpose,
    targets: intent.targets,
  } satisfies Omit<Approval, 'id' | 'state' | 'createdAt' | 'expiresAt'>;
}

function taskContext(taskId: string, purpose: string, task: TaskState | null, now: number) {
  return {
    id: taskId,
    purpose: task?.purpose ?? purpose,
    ageSeconds: task ? Math.max(0, Math.floor((now - task.createdAt) / 1000)) : 0,
    // Cedar's `context.task.exchanges` is the count of recorded grants; policies use that name.
    exchanges: task?.grantsRecorded ?? 0,
    liveGrants: task?.liveGrants ?? 0,
  };
}

/** Turns a store refusal into the error an agent can act on. */
function refusalFor(refusal: GrantRefusal, taskId: string): MandateError {
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
