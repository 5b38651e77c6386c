import type { Context, Tracer } from '@opentelemetry/api';
import type { ApprovalGate } from '../approvals/approval-gate.js';
import type { Approval, ApprovalSubject } from '../approvals/approval.js';
import type { ScopeDecisionRecord, TokenExchangeEvent } from '../audit/audit-event.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AwsCredentialIssuer, AwsSessionPlan } from '../aws/aws-credential-issuer.js';
import { isMandateError, MandateError } from '../errors.js';
import type { GrantLedger } from '../grants/grant-ledger.js';
import type { GrantQueries } from '../grants/grant-queries.js';
import type { GrantRecord, GrantRefusal, TaskState } from '../grants/grant-records.js';
import {
  intentFingerprint,
  type LoopLimits,
  type LoopRule,
  type LoopTrip,
  type RateLimit,
} from '../grants/loop-rules.js';
import type { Principal } from '../identity/principal.js';
import type { SubjectVerifier } from '../identity/verify-subject-token.js';
import { grantedDetails, type AgentTaskDetail } from '../intent/agent-task-detail.js';
import type { Catalogue } from '../intent/catalogue.js';
import type { Intent } from '../intent/intent.js';
import type { IssuanceRules } from '../intent/issuance-rules.js';
import { resolveIntent, type IntentRequest } from '../intent/resolve-intent.js';
import type { ExchangeOutcome } from '../metrics/label-values.js';
import type { Metrics } from '../metrics/metrics.js';
import { epochSeconds, type Clock } from '../platform/clock.js';
import { sha256Hex, type IdGenerator } from '../platform/ids.js';
import { defaultTracer, startTrace, type Traced } from '../platform/tracing.js';
import type { DecisionInput } from '../policy/cedar-engine.js';
import type { Decision } from '../policy/decision.js';
import { grantedScopes } from '../policy/granted-scopes.js';
import type { PolicySnapshot, ServingPolicy } from '../policy/policy-snapshot.js';
import type { OwnTokenVerifier } from '../revocation/verify-own-token.js';
import type { KeyRing } from '../tokens/key-ring.js';
import { mintAccessToken } from '../tokens/mint-token.js';
import {
  ACCESS_TOKEN_TYPE,
  type ExchangeRequest,
  type ExchangeResponse,
} from './exchange-request.js';
import { assertNarrower, cycleRefusal, delegatedFrom, type Delegated } from './delegated-from.js';
import { approvalRequired, asAssertionRefusal, assertIssuable, refusalFor } from './refusals.js';
import { assertTokenTypeFits, awsAnswer, type AwsExchangeResponse } from './aws-answer.js';

/** Everything the exchange needs, each an interface built by the composition root. */
export interface TokenExchangeOptions {
  readonly issuer: string;
  readonly verifySubject: SubjectVerifier;
  readonly catalogue: Catalogue;
  /** Lifetimes, sensitivity floor and task age, built once from the config. */
  readonly rules: IssuanceRules;
  /** Each exchange decides with one snapshot of it, taken at its start. */
  readonly policy: ServingPolicy;
  /** The ledger, and the grant lookup a delegated exchange checks its parent token with. */
  readonly store: GrantLedger & Pick<GrantQueries, 'getGrant'>;
  /** Tokens of this broker: a delegated exchange's subject token is one. */
  readonly ownTokens: Pick<OwnTokenVerifier, 'verify'>;
  /** Most actors one delegation chain may hold. */
  readonly maxDelegationDepth: number;
  readonly approvals: ApprovalGate;
  readonly keyRing: KeyRing;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly audit: AuditLog;
  /**
   * `audit.required`: a granted exchange waits for its audit event to be written and is refused
   * (503, its grant revoked, no token) when it cannot be.
   */
  readonly auditRequired?: boolean;
  readonly metrics: Metrics;
  /** Loop rules applied as each grant is recorded; absent: off. */
  readonly loops?: LoopLimits;
  /** Per-identity exchange rate limit; absent: off. */
  readonly rateLimit?: RateLimit;
  /** Most active tasks one agent may hold; absent: no bound. */
  readonly maxLiveTasks?: number;
  /** Told of every loop trip (audit line and metric). */
  readonly onLoopTrip?: (trip: LoopTrip, where: { agent: string; task: string }) => void;
  /** Issues AWS credentials for `kind: aws` resources (docs/aws.md); absent: none served. */
  readonly aws?: AwsCredentialIssuer;
  /** The tracer of the exchange's spans; default: the global provider's (no-op without an SDK). */
  readonly tracer?: Tracer;
}

/** What policy decides on, before approval is known. */
type AskedInput = Omit<DecisionInput, 'approved'>;

/** What the audit line of a refused exchange can name, filled in as the steps learn it. */
type Trail = {
  -readonly [
    K in 'agent' | 'task' | 'subject_token_sha256' | 'policy_version' | 'intent' | 'decisions'
  ]?: TokenExchangeEvent[K];
};

/** When the exchange happens: ms for the task and policy, whole seconds for the token. */
interface At {
  readonly ms: number;
  readonly seconds: number;
}

/** The task an exchange works on, and whether an earlier exchange may have started it. */
interface TaskRef {
  readonly id: string;
  readonly continuing: boolean;
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
  readonly #tracer: Tracer;

  constructor(options: TokenExchangeOptions) {
    this.#o = options;
    this.#tracer = options.tracer ?? defaultTracer();
  }

  /**
   * Runs one exchange, recording its outcome in the audit log and metrics, traced as the span
   * `token_exchange` (a child of `parent`, the request's trace, when given) with one child span
   * per step.
   */
  async exchange(
    request: ExchangeRequest,
    parent?: Context,
  ): Promise<ExchangeResponse | AwsExchangeResponse> {
    const started = process.hrtime.bigint();
    const trail: Trail = {};
    const traced = startTrace('token_exchange', {
      tracer: this.#tracer,
      codeOf: errorCode,
      ...(parent ? { parent } : {}),
    });
    let outcome: ExchangeOutcome = 'granted';
    try {
      return await this.#run(request, trail, traced);
    } catch (caught) {
      const err = request.grant === 'jwt-bearer' ? asAssertionRefusal(caught) : caught;
      outcome = errorCode(err);
      const named = namedResource(request);
      traced.fail(outcome);
      // An attribute left undefined (not known when refused) is not recorded.
      traced.note({ 'mandate.error': outcome, 'mandate.audience': named.audience });
      this.#o.audit.record({
        event: 'token_exchange',
        outcome: 'refused',
        ...trail,
        ...named,
        scopes: request.scopes,
        error: outcome,
        reason: isMandateError(err) ? err.message : 'internal error',
        ...traceIdOf(traced),
        ...loopRuleOf(err),
      });
      throw err;
    } finally {
      traced.note({
        'mandate.outcome': outcome === 'granted' ? 'granted' : 'refused',
        'mandate.agent': trail.agent,
        'mandate.task': trail.task,
      });
      traced.end();
      this.#o.metrics.exchanges.inc({ outcome });
      this.#o.metrics.exchangeSeconds.observe(
        { outcome: outcome === 'granted' ? 'granted' : 'refused' },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    }
  }

  /**
   * The steps of one exchange, in order; a refusal at any step ends it. The five traced steps
   * (verify, resolve, decide, record, mint) run through `step`, each a span of its own.
   */
  async #run(
    request: ExchangeRequest,
    trail: Trail,
    traced: Traced,
  ): Promise<ExchangeResponse | AwsExchangeResponse> {
    const { step } = traced;
    const policy = this.#o.policy.current();
    trail.policy_version = policy.version;
    const { delegated, principal } = await step('verify', () => this.#identify(request, trail));
    assertIssuable(request.requestedTokenType);
    const approval = await this.#presentedApproval(request, principal);
    const at = this.#now();
    const task = this.#taskOf(request, approval);
    trail.task = task.id;
    const asked = step('resolve', () => this.#resolveIntent(request, principal, at));
    assertTokenTypeFits(request.requestedTokenType, asked.resource);
    trail.intent = { purpose: asked.purpose, targets: asked.targets };
    if (delegated?.cycle) await this.#refuseCycle(principal, task, asked, at);
    if (delegated)
      assertNarrower(asked, delegated, {
        ttlSeconds: request.requestedTtlSeconds,
        nowSeconds: at.seconds,
      });
    const unread = decisionInput(principal, asked, task, null, at, delegated);
    const state = this.#mustReadTask(policy, task, unread, approval)
      ? await this.#readTask(principal, task)
      : null;
    const input = state ? decisionInput(principal, asked, task, state, at, delegated) : unread;
    const { decision, toApprove } = step('decide', () =>
      this.#decideAll(policy, request, principal, at, input, approval),
    );
    trail.decisions = decisionRecords(decision);
    if (toApprove) {
      // Counted as an exchange (block, rate, task state, live tasks, loop rules): an operator
      // is never asked to approve work on a task that cannot go on, nor flooded by a loop.
      await this.#countAttempt(principal, task, asked, at);
      const pending = await this.#askForApproval(toApprove);
      throw approvalRequired(pending, at.ms);
    }
    const intent = capToParent(
      capToApproval(this.#grantedIntent(request, principal, at, asked, decision), approval),
      delegated,
      at,
    );
    const aws = this.#awsPlan(intent);
    const grant = await step('record', () =>
      this.#record(principal, task, aws?.intent ?? intent, at, delegated, request),
    );
    if (approval) await this.#consumeApproval(approval, grant);
    if (aws) return this.#issueAws(aws, grant, trail, { traced, decision, delegated, approval });
    const details = grantedDetails({ ...grant, ...intent });
    const accessToken = step('mint', () => this.#mint(grant, details));
    await this.#auditGranted(grant, trail, {
      traced,
      details,
      policyIds: decision.policyIds,
      accessToken,
      ...(delegated ? { delegated } : {}),
      ...(approval ? { approval } : {}),
    });
    return answer(request, accessToken, grant, details);
  }

  /** Who asks: the delegation when an actor token comes with the request, else the subject. */
  async #identify(
    request: ExchangeRequest,
    trail: Trail,
  ): Promise<{ delegated: Delegated | undefined; principal: Principal }> {
    const delegated = await this.#delegated(request, trail);
    const principal = delegated?.actor ?? (await this.#verifySubject(request, trail));
    return { delegated, principal };
  }

  /** Verifies the subject token: who the agent is, noted for the audit line of a refusal. */
  async #verifySubject(request: ExchangeRequest, trail: Trail): Promise<Principal> {
    const principal = await this.#o.verifySubject(request.subjectToken, request.subjectTokenType);
    trail.agent = principal.agentId;
    trail.subject_token_sha256 = principal.tokenSha256;
    return principal;
  }

  /**
   * With an actor token: the delegation, checked (actor verified, parent token live, chain
   * depth, no cycle, `may_act`); the actor is noted for the audit line of a refusal.
   */
  async #delegated(request: ExchangeRequest, trail: Trail): Promise<Delegated | undefined> {
    if (!request.actorToken) return undefined;
    const o = this.#o;
    const subject = { token: request.subjectToken, type: request.subjectTokenType };
    const delegated = await delegatedFrom(subject, request.actorToken, {
      verifySubject: o.verifySubject,
      ownTokens: o.ownTokens,
      grants: o.store,
      maxDepth: o.maxDelegationDepth,
    });
    trail.agent = delegated.actor.agentId;
    trail.subject_token_sha256 = delegated.actor.tokenSha256;
    return delegated;
  }

  /** The approval presented with `approval_id`: this agent's, approved, unused, unexpired. */
  async #presentedApproval(
    request: ExchangeRequest,
    principal: Principal,
  ): Promise<Approval | undefined> {
    if (request.approvalId === undefined) return undefined;
    return this.#o.approvals.presented(request.approvalId, principal.agentId);
  }

  #now(): At {
    return { ms: this.#o.clock.now(), seconds: epochSeconds(this.#o.clock) };
  }

  /** The task named, else the one the approval was asked for (the repeat may omit it), else new. */
  #taskOf(request: ExchangeRequest, approval: Approval | undefined): TaskRef {
    const named = request.taskId ?? approval?.taskId;
    return named === undefined
      ? { id: this.#o.ids.taskId(), continuing: false }
      : { id: named, continuing: true };
  }

  /**
   * Whether the task's state must be read before deciding. Reading costs a round trip of its
   * own, and the record script refuses a task that is not active anyway, atomically: it is read
   * for an approval presented (bound to the task as it was), and when the set reads
   * `context.task` unless the request is decided alike whatever the task's state, allowed in
   * full and its tier needs no approval (so nothing else is decided with the task).
   */
  #mustReadTask(
    policy: PolicySnapshot,
    task: TaskRef,
    unread: AskedInput,
    approval: Approval | undefined,
  ): boolean {
    if (!task.continuing) return false;
    if (approval !== undefined) return true;
    if (!policy.readsTaskContext) return false;
    if (this.#o.approvals.requiresApproval(unread.intent.tier)) return true;
    const decided = policy.decideWithoutTask({ ...unread, approved: false });
    return decided === undefined || decided.denied.length > 0;
  }

  /** A continuing task's state, refused unless active; null for a task not started yet. */
  async #readTask(principal: Principal, task: TaskRef): Promise<TaskState | null> {
    const state = await this.#o.store.getTask(principal.agentId, task.id);
    if (state && state.status !== 'active')
      throw refusalFor(
        {
          reason: 'task_not_active',
          status: state.status,
          ...(state.halt ? { rule: state.halt.rule } : {}),
        },
        task.id,
      );
    return state;
  }

  /** Resolves audience, scopes, tier and lifetime (the task's end is applied where recorded). */
  #resolveIntent(request: IntentRequest, principal: Principal, at: At): Intent {
    return resolveIntent(request, {
      catalogue: this.#o.catalogue,
      rules: this.#o.rules,
      subjectExpiresAt: principal.expiresAt,
      nowSeconds: at.seconds,
    });
  }

  /** Policy's decision, and what an operator must approve first (never with an approval). */
  #decideAll(
    policy: PolicySnapshot,
    request: ExchangeRequest,
    principal: Principal,
    at: At,
    input: AskedInput,
    approval: Approval | undefined,
  ): { decision: Decision; toApprove: ApprovalSubject | undefined } {
    const decision = this.#decide(policy, request, principal, at, input, approval);
    const toApprove = approval
      ? undefined
      : this.#approvalToAsk(policy, request, principal, at, input, decision);
    return { decision, toApprove };
  }

  /**
   * Decides every scope with the exchange's policy snapshot; with an approval presented, decides
   * as approved and checks the approval was given for exactly what an operator would approve now.
   */
  #decide(
    policy: PolicySnapshot,
    request: ExchangeRequest,
    principal: Principal,
    at: At,
    input: AskedInput,
    approval: Approval | undefined,
  ): Decision {
    const decision = policy.decide({ ...input, approved: approval !== undefined });
    if (!approval) return decision;
    // Nothing approvable (policy refuses even as approved): bound to the request as asked, then
    // #grantedIntent refuses with invalid_scope.
    const approvable = this.#approvable(request, principal, at, input, decision) ?? input;
    this.#o.approvals.assertBound(approval, this.#approvalSubject(request, approvable));
    return decision;
  }

  /**
   * What an operator must approve before this exchange goes on, or undefined when nothing: the
   * tier of what would be approved requires approval, or only `context.approved` stands in the
   * way. Never asked when policy refuses even as approved.
   */
  #approvalToAsk(
    policy: PolicySnapshot,
    request: ExchangeRequest,
    principal: Principal,
    at: At,
    input: AskedInput,
    decision: Decision,
  ): ApprovalSubject | undefined {
    const gate = this.#o.approvals;
    // The common case, decided without a second policy evaluation.
    if (!gate.requiresApproval(input.intent.tier) && decision.denied.length === 0) return undefined;
    const asApproved = policy.decide({ ...input, approved: true });
    const approvable = this.#approvable(request, principal, at, input, asApproved);
    if (!approvable) return undefined;
    return gate.needsApproval({ tier: approvable.intent.tier, decision, asApproved })
      ? this.#approvalSubject(request, approvable)
      : undefined;
  }

  /**
   * The request an operator could approve, given policy's decision as approved: all of it; on a
   * partial resource, only the scopes that decision allows (their tier and lifetime re-resolved),
   * so no operator approves what policy refuses anyway; undefined when nothing is left.
   */
  #approvable(
    request: ExchangeRequest,
    principal: Principal,
    at: At,
    input: AskedInput,
    asApproved: Decision,
  ): AskedInput | undefined {
    if (asApproved.denied.length === 0) return input;
    if (input.intent.resource.partial !== true || asApproved.allowed.length === 0) return undefined;
    const scopes = asApproved.allowed;
    return { ...input, intent: this.#resolveIntent({ ...request, scopes }, principal, at) };
  }

  /**
   * The exchange an approval is asked for, or must have been given for: everything the approver
   * is shown, and the lifetime approved (the one asked, capped by the tier and the global max).
   */
  #approvalSubject(
    request: ExchangeRequest,
    { principal, intent, task }: AskedInput,
  ): ApprovalSubject {
    const { rules } = this.#o;
    const asked = request.requestedTtlSeconds;
    return {
      agentId: principal.agentId,
      taskId: task.id,
      resource: intent.resource.name,
      audience: intent.resource.audience,
      scopes: intent.scopes,
      tier: intent.tier,
      sensitivity: intent.sensitivity,
      purpose: intent.purpose,
      targets: intent.targets,
      ...(asked !== undefined ? { requestedTtlSeconds: asked } : {}),
      ttlSeconds: Math.min(
        asked ?? Infinity,
        rules.tierTtlSeconds[intent.tier],
        rules.maxTokenTtlSeconds,
      ),
    };
  }

  /** Counts an exchange that asks for approval as the store counts a grant; refuses as it does. */
  async #countAttempt(
    principal: Principal,
    task: TaskRef,
    asked: Intent,
    at: At,
    cycle = false,
  ): Promise<void> {
    const recorded = await this.#o.store.recordAttempt({
      agentId: principal.agentId,
      taskId: task.id,
      attemptId: this.#o.ids.grantId(),
      ...(cycle ? { cycle: true } : {}),
      ...this.#counted(asked, at),
    });
    if (!recorded.ok) this.#refuse(recorded.refusal, principal, task);
  }

  /**
   * Refuses an actor already in its delegation chain; with loop rules on, the store counts it
   * first as a trip of `delegation_cycle` on the actor's task (halting it, and blocking the
   * agent past its halted-task limit).
   */
  async #refuseCycle(principal: Principal, task: TaskRef, asked: Intent, at: At): Promise<never> {
    if (this.#o.loops) await this.#countAttempt(principal, task, asked, at, true);
    throw cycleRefusal(principal.agentId);
  }

  /** Records a pending approval for exactly this request and returns it. */
  async #askForApproval(subject: ApprovalSubject): Promise<Approval> {
    return this.#o.approvals.ask(subject);
  }

  /**
   * The intent to grant: all of it, or (partial resources) the allowed scopes, whose tier and
   * lifetime are those of what is granted; refuses with `invalid_scope` otherwise.
   */
  #grantedIntent(
    request: ExchangeRequest,
    principal: Principal,
    at: At,
    asked: Intent,
    decision: Decision,
  ): Intent {
    const scopes = grantedScopes(decision, asked.resource.partial === true);
    if (scopes.length === asked.scopes.length) return asked;
    return this.#resolveIntent({ ...request, scopes }, principal, at);
  }

  /**
   * Records the grant in one store call, which also applies blocks, the rate limit, the task's
   * state and end, and the loop rules; returns the grant as recorded (expiry maybe cut).
   */
  async #record(
    principal: Principal,
    task: TaskRef,
    intent: Intent,
    at: At,
    delegated: Delegated | undefined,
    request: ExchangeRequest,
  ): Promise<GrantRecord> {
    const o = this.#o;
    const delegates = request.intent.delegates;
    const asRequested = {
      jti: o.ids.grantId(),
      agentId: principal.agentId,
      taskId: task.id,
      resource: intent.resource.name,
      audience: intent.resource.audience,
      scopes: intent.scopes,
      tier: intent.tier,
      targets: intent.targets,
      issuedAt: at.seconds,
      expiresAt: at.seconds + intent.ttlSeconds,
      ...(delegated ? { delegation: delegated.token } : {}),
      ...(delegates ? { mayAct: delegates } : {}),
    };
    const recorded = await o.store.recordGrant({
      grant: asRequested,
      ...this.#counted(intent, at),
    });
    if (recorded.ok) return recorded.grant;
    return this.#refuse(recorded.refusal, principal, task);
  }

  /** What the store counts an exchange against: task, rate, live tasks, loop rules. */
  #counted(intent: Intent, at: At) {
    const o = this.#o;
    return {
      purpose: intent.purpose,
      now: at.ms,
      maxTaskAgeSeconds: o.rules.maxTaskAgeSeconds,
      fingerprint: intentFingerprint({
        audience: intent.resource.audience,
        scopes: intent.scopes,
        targets: intent.targets,
        purpose: intent.purpose,
      }),
      ...(o.loops ? { loops: o.loops } : {}),
      ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
      ...(o.maxLiveTasks !== undefined ? { maxLiveTasks: o.maxLiveTasks } : {}),
    };
  }

  /** Throws the store's refusal, telling the loop-trip reporter of a trip first. */
  #refuse(refusal: GrantRefusal, principal: Principal, task: TaskRef): never {
    if (refusal.reason === 'loop_tripped')
      this.#o.onLoopTrip?.(refusal.trip, { agent: principal.agentId, task: task.id });
    throw refusalFor(refusal, task.id);
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
   * A `kind: aws` resource: its session policy (refused before anything is recorded) and the
   * lifetime raised to AWS's 900 s floor, so the grant records the credentials' real expiry.
   */
  #awsPlan(intent: Intent): AwsSessionPlan | undefined {
    if (intent.resource.kind !== 'aws') return undefined;
    if (!this.#o.aws) throw new Error('an AWS resource without an AWS issuer');
    return this.#o.aws.plan(intent);
  }

  /**
   * Calls STS for the grant just recorded (record before the side effect); when STS refuses,
   * the grant is revoked and the refusal answered.
   */
  async #issueAws(
    plan: AwsSessionPlan,
    grant: GrantRecord,
    trail: Trail,
    granted: {
      traced: Traced;
      decision: Decision;
      delegated: Delegated | undefined;
      approval: Approval | undefined;
    },
  ): Promise<AwsExchangeResponse> {
    const { decision, delegated, approval, traced } = granted;
    const now = this.#now().seconds;
    let issued;
    try {
      issued = await this.#o.aws!.issue(plan, grant, now);
    } catch (err) {
      // The grant has no credentials; a failure to revoke leaves it to expire unused.
      await this.#o.store
        .revokeGrant(grant.agentId, grant.jti, 'AWS STS did not issue the session')
        .catch(() => undefined);
      throw err;
    }
    await this.#auditGranted(grant, trail, {
      traced,
      policyIds: decision.policyIds,
      ...(delegated ? { delegated } : {}),
      ...(approval ? { approval } : {}),
      aws: {
        role_arn: issued.roleArn,
        session_name: issued.sessionName,
        access_key_id: issued.credentials.AccessKeyId,
        source_identity: issued.sourceIdentity,
        expires_at: issued.expiresAt,
      },
    });
    // Counted from when STS answered: its clock set the expiry.
    return awsAnswer(issued, grant, plan, this.#now().seconds);
  }

  /**
   * Mints the access token of the grant as recorded (its lifetime may be cut to the task's end),
   * carrying the granted authorization details.
   */
  #mint(grant: GrantRecord, details: readonly AgentTaskDetail[]): string {
    return mintAccessToken(
      { ...grant, authorizationDetails: details },
      { issuer: this.#o.issuer, keyRing: this.#o.keyRing },
    );
  }

  /**
   * The audit event of a granted exchange: who, what was declared and decided by which set of
   * policies, the token's hash and jti (or the AWS session), the approval used, the trace. With
   * `auditRequired`, waits for it to be written; when it cannot be, the grant is revoked and the
   * exchange refused (no token).
   */
  async #auditGranted(grant: GrantRecord, trail: Trail, granted: Granted): Promise<void> {
    const { delegated, approval, traced } = granted;
    traced.note({ 'mandate.audience': grant.audience });
    const event: TokenExchangeEvent = {
      event: 'token_exchange',
      outcome: 'granted',
      ...trail,
      task: grant.taskId,
      audience: grant.audience,
      scopes: grant.scopes,
      tier: grant.tier,
      jti: grant.jti,
      policy_ids: granted.policyIds,
      ...(granted.accessToken !== undefined
        ? { token_sha256: sha256Hex(granted.accessToken) }
        : {}),
      ...(granted.details ? { authorization_details: granted.details } : {}),
      ...(approval
        ? {
            approval: {
              id: approval.id,
              ...(approval.decidedBy !== undefined ? { approver: approval.decidedBy } : {}),
            },
          }
        : {}),
      ...(delegated
        ? { delegation: { chain: delegated.context.chain, depth: delegated.context.depth } }
        : {}),
      ...traceIdOf(traced),
      ...(granted.aws ? { aws: granted.aws } : {}),
    };
    if (!this.#o.auditRequired) {
      this.#o.audit.record(event);
      return;
    }
    try {
      await this.#o.audit.write(event);
    } catch (cause) {
      await this.#o.store.revokeGrant(grant.agentId, grant.jti, 'audit trail unavailable');
      throw new MandateError(
        'temporarily_unavailable',
        'the audit trail cannot be written; no token is issued until it can',
        { retryAfter: 1, cause },
      );
    }
  }
}

/** What a granted exchange's audit event names beyond the grant. */
interface Granted {
  readonly traced: Traced;
  /** Absent for AWS credentials, which carry none. */
  readonly details?: readonly AgentTaskDetail[];
  /** The policies that allowed the granted scopes. */
  readonly policyIds: readonly string[];
  /** Absent for AWS credentials: the session names them (`aws`). */
  readonly accessToken?: string;
  readonly aws?: TokenExchangeEvent['aws'];
  readonly delegated?: Delegated;
  readonly approval?: Approval;
}

/** Each scope's decision, as the audit event names it. */
function decisionRecords(decision: Decision): ScopeDecisionRecord[] {
  return decision.scopes.map((d) => ({
    scope: d.scope,
    decision: d.decision,
    policy_ids: d.policyIds,
  }));
}

/** The loop rule of a refusal that names one (`task_halted`), for its audit line. */
function loopRuleOf(err: unknown): Pick<TokenExchangeEvent, 'loop_rule'> {
  if (!isMandateError(err) || err.code !== 'task_halted') return {};
  const rule = err.details?.rule;
  return typeof rule === 'string' ? { loop_rule: rule as LoopRule } : {};
}

/** The stable code of an exchange's error: a refusal's own, else `server_error`. */
function errorCode(err: unknown): ExchangeOutcome {
  return isMandateError(err) ? err.code : 'server_error';
}

/** The audit event's `trace_id`, when the exchange's span context is valid. */
function traceIdOf(traced: Traced): { trace_id?: string } {
  return traced.traceId === undefined ? {} : { trace_id: traced.traceId };
}

/** What policy decides on: who, the intent, the task's state as known (zeros if not read). */
function decisionInput(
  principal: Principal,
  intent: Intent,
  task: TaskRef,
  state: TaskState | null,
  at: At,
  delegated: Delegated | undefined,
): AskedInput {
  return {
    ...(delegated ? { delegation: delegated.context } : {}),
    principal,
    intent,
    task: {
      id: task.id,
      purpose: state?.purpose ?? intent.purpose,
      ageSeconds: state ? Math.max(0, Math.floor((at.ms - state.createdAt) / 1000)) : 0,
      // Cedar's `context.task.exchanges` counts recorded grants; policies in use say so.
      exchanges: state?.grantsRecorded ?? 0,
      liveGrants: state?.liveGrants ?? 0,
    },
    now: at.ms,
  };
}

/** The resource a refused request named, as it named it, for its audit line. */
function namedResource(request: ExchangeRequest): { audience?: string } {
  const named = request.audience ?? request.resource ?? request.locations?.[0];
  return named === undefined ? {} : { audience: named };
}

/** The intent to grant, its lifetime never longer than the approval presented allows. */
function capToApproval(intent: Intent, approval: Approval | undefined): Intent {
  if (!approval || intent.ttlSeconds <= approval.ttlSeconds) return intent;
  return { ...intent, ttlSeconds: approval.ttlSeconds };
}

/** The intent to grant, its lifetime never past the parent's (or the person's) token. */
function capToParent(intent: Intent, delegated: Delegated | undefined, at: At): Intent {
  if (!delegated) return intent;
  const left = delegated.notAfter - at.seconds;
  return intent.ttlSeconds <= left ? intent : { ...intent, ttlSeconds: Math.max(0, left) };
}

/**
 * The RFC 8693 answer (RFC 6749's for a jwt-bearer grant: no `issued_token_type`), the granted
 * RFC 9396 details (section 7), the task and grant ids.
 */
function answer(
  request: ExchangeRequest,
  accessToken: string,
  grant: GrantRecord,
  details: readonly AgentTaskDetail[],
): ExchangeResponse {
  return {
    access_token: accessToken,
    ...(request.grant === 'jwt-bearer' ? {} : { issued_token_type: ACCESS_TOKEN_TYPE }),
    token_type: 'Bearer',
    expires_in: grant.expiresAt - grant.issuedAt,
    scope: grant.scopes.join(' '),
    authorization_details: details,
    task_id: grant.taskId,
    grant_id: grant.jti,
  };
}
