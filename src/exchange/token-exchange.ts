import type { AuditLog } from '../audit/audit-log.js';
import { MandateError, isMandateError } from '../errors.js';
import type { GrantRefusal, GrantStore, TaskState } from '../grants/grant-store.js';
import {
  intentFingerprint,
  type LoopLimits,
  type LoopTrip,
  type RateLimit,
} from '../grants/loop-rules.js';
import type { SubjectVerifier } from '../identity/verify-subject-token.js';
import type { Catalogue } from '../intent/catalogue.js';
import { resolveIntent, type TtlPolicy } from '../intent/resolve-intent.js';
import type { Metrics } from '../metrics/metrics.js';
import { epochSeconds, type Clock } from '../platform/clock.js';
import type { IdGenerator } from '../platform/ids.js';
import type { CedarEngine } from '../policy/cedar-engine.js';
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
  readonly maxTaskAgeSeconds: number;
  readonly policy: Pick<CedarEngine, 'decide'>;
  readonly store: GrantStore;
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
    const trail: Partial<Record<'agent' | 'task' | 'subjectTokenSha256', string>> = {};
    let outcome = 'granted';
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
        { outcome },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
  }

  async #run(request: ExchangeRequest, trail: Record<string, string>): Promise<ExchangeResponse> {
    const o = this.#o;
    const principal = await o.verifySubject(request.subjectToken, request.subjectTokenType);
    trail.agent = principal.agentId;
    trail.subjectTokenSha256 = principal.tokenSha256;
    if (
      request.requestedTokenType !== undefined &&
      !ISSUABLE_TYPES.has(request.requestedTokenType)
    ) {
      throw new MandateError(
        'invalid_request',
        `requested_token_type ${request.requestedTokenType} is not issued for this audience`,
      );
    }
    const now = o.clock.now();
    const nowSeconds = epochSeconds(o.clock);
    const taskId = request.taskId ?? o.ids.taskId();
    trail.task = taskId;
    const task =
      request.taskId === undefined ? null : await o.store.getTask(principal.agentId, taskId);
    if (task && task.status !== 'active')
      throw refusalFor(
        {
          reason: 'task_not_active',
          status: task.status,
          ...(task.halt ? { rule: task.halt.rule } : {}),
        },
        taskId,
      );
    const taskEnds = task
      ? Math.floor(task.createdAt / 1000) + o.maxTaskAgeSeconds
      : nowSeconds + o.maxTaskAgeSeconds;
    const intent = resolveIntent(request, {
      catalogue: o.catalogue,
      ttl: o.ttl,
      subjectExpiresAt: Math.min(principal.expiresAt, taskEnds),
      nowSeconds,
    });

    const decision = o.policy.decide({
      principal,
      intent,
      task: taskContext(taskId, intent.purpose, task, now),
      now,
    });
    if (decision.denied.length > 0) {
      const refused = decision.denied.map((d) => d.scope);
      throw new MandateError('invalid_scope', `policy refused scope: ${refused.join(' ')}`, {
        details: { refused_scopes: refused },
      });
    }

    const grant = {
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
      grant,
      purpose: intent.purpose,
      now,
      maxTaskAgeSeconds: o.maxTaskAgeSeconds,
      fingerprint: intentFingerprint({ ...grant, purpose: intent.purpose }),
      ...(o.loops ? { loops: o.loops } : {}),
      ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
    });
    if (!recorded.ok) {
      if (recorded.refusal.reason === 'loop_tripped')
        o.onLoopTrip?.(recorded.refusal.trip, { agent: principal.agentId, task: taskId });
      throw refusalFor(recorded.refusal, taskId);
    }

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
      subjectTokenSha256: principal.tokenSha256,
      policyIds: decision.policyIds,
    });
    return {
      access_token: accessToken,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: intent.ttlSeconds,
      scope: grant.scopes.join(' '),
      task_id: taskId,
      grant_id: grant.jti,
    };
  }
}

function taskContext(taskId: string, purpose: string, task: TaskState | null, now: number) {
  return {
    id: taskId,
    purpose: task?.purpose ?? purpose,
    ageSeconds: task ? Math.max(0, Math.floor((now - task.createdAt) / 1000)) : 0,
    exchanges: task?.exchanges ?? 0,
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
