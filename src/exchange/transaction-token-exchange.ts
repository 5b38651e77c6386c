import type { JWTPayload } from 'jose';
import type { AuditLog } from '../audit/audit-log.js';
import { MandateError, isMandateError } from '../errors.js';
import type { GrantLedger } from '../grants/grant-ledger.js';
import type { GrantQueries } from '../grants/grant-queries.js';
import { allGrantsLive } from '../grants/live-grants.js';
import { TXN_TOKEN_OUTCOMES, type TxnTokenOutcome } from '../metrics/label-values.js';
import type { Metrics } from '../metrics/metrics.js';
import { epochSeconds, type Clock } from '../platform/clock.js';
import { sha256Hex, type IdGenerator } from '../platform/ids.js';
import type { OwnTokenClaims, OwnTokenVerifier } from '../revocation/verify-own-token.js';
import type { KeyRing } from '../tokens/key-ring.js';
import {
  mintTransactionToken,
  type TransactionTokenClaims,
} from '../tokens/mint-transaction-token.js';
import { actorChain, parseLineage, type LineageEntry } from '../tokens/token-lineage.js';
import {
  TXN_TOKEN_TYPE,
  type TransactionTokenRequest,
  type TransactionTokenResponse,
} from './transaction-token-request.js';

/** What {@link TransactionTokenExchange} needs, each built by the composition root. */
export interface TransactionTokenExchangeOptions {
  readonly issuer: string;
  readonly verifier: Pick<OwnTokenVerifier, 'checkAccessToken'>;
  readonly store: Pick<GrantQueries, 'getGrant'> & Pick<GrantLedger, 'getTask'>;
  readonly keyRing: KeyRing;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly audit: AuditLog;
  readonly metrics: Pick<Metrics, 'txnTokens'>;
  /** `txn_tokens.ttl`: the longest life of a transaction token, in seconds. */
  readonly ttlSeconds: number;
}

/** A live access token of ours, read for what a transaction token carries on. */
interface Subject {
  readonly claims: OwnTokenClaims;
  readonly targets: readonly string[];
  readonly chain: readonly string[];
  readonly lineage: readonly LineageEntry[] | undefined;
}

/**
 * Exchanges a live Mandate access token for a transaction token
 * (draft-ietf-oauth-transaction-tokens-10): verify the access token, check the scope and
 * audience asked, check its grant and lineage live and read the task's purpose, mint. The
 * transaction token is bound to the grant: revoking the grant, its task or its agent revokes it.
 *
 * @example
 * const answer = await new TransactionTokenExchange(options).exchange({ subjectToken });
 */
export class TransactionTokenExchange {
  readonly #o: TransactionTokenExchangeOptions;

  constructor(options: TransactionTokenExchangeOptions) {
    this.#o = options;
  }

  /** Issues a transaction token, or refuses with `invalid_request`, `invalid_scope` or `invalid_target`. */
  async exchange(request: TransactionTokenRequest): Promise<TransactionTokenResponse> {
    let outcome: TxnTokenOutcome = 'issued';
    try {
      return await this.#run(request);
    } catch (err) {
      outcome = outcomeOf(err);
      throw err;
    } finally {
      this.#o.metrics.txnTokens.inc({ outcome });
    }
  }

  /** The steps, in order; a refusal at any step ends the request. */
  async #run(request: TransactionTokenRequest): Promise<TransactionTokenResponse> {
    const subject = await this.#verifySubject(request.subjectToken);
    const scope = scopeOf(request, subject.claims);
    assertAudience(request, subject.claims);
    const purpose = await this.#livePurpose(subject);
    const claims = this.#claims(request, subject, scope, purpose);
    const token = mintTransactionToken(claims, {
      issuer: this.#o.issuer,
      keyRing: this.#o.keyRing,
    });
    this.#auditIssued(request, subject, claims);
    return {
      access_token: token,
      issued_token_type: TXN_TOKEN_TYPE,
      token_type: 'N_A',
      expires_in: claims.exp - claims.iat,
      scope,
    };
  }

  /** The subject token: an unexpired access token of this broker, its delegation claims read. */
  async #verifySubject(token: string): Promise<Subject> {
    const checked = await this.#o.verifier.checkAccessToken(token);
    if (!checked.ok)
      throw new MandateError(
        'invalid_request',
        checked.problem === 'expired'
          ? 'subject_token is an expired access token; exchange a live one'
          : 'subject_token is not an access token issued by this broker',
      );
    const { claims, payload } = checked;
    const chain = actorChain(claims.sub, payload.act);
    const lineage = parseLineage(payload.lineage);
    if (chain === null || lineage === null)
      throw new MandateError(
        'invalid_request',
        'subject_token carries a malformed act or lineage claim',
      );
    return { claims, targets: targetsOf(payload), chain, lineage };
  }

  /**
   * The task's purpose, once the token's grant and every grant of its lineage are live (read at
   * once: one round trip each, in parallel).
   */
  async #livePurpose({ claims, lineage }: Subject): Promise<string> {
    const { store } = this.#o;
    const ancestors = (lineage ?? []).map((e) => ({
      agentId: e.client_id,
      taskId: e.task,
      jti: e.jti,
    }));
    const [lookup, task, ancestorsLive] = await Promise.all([
      store.getGrant(claims.client_id, claims.jti),
      store.getTask(claims.client_id, claims.task_id),
      allGrantsLive(store, ancestors),
    ]);
    // The task's state first: a halted or completed task revokes its grants, and its state is
    // the reason a caller can act on.
    if (task && task.status !== 'active')
      throw new MandateError(
        'invalid_request',
        `subject_token's task ${claims.task_id} is ${task.status}`,
      );
    if (!task || !lookup?.live || lookup.grant.taskId !== claims.task_id)
      throw new MandateError(
        'invalid_request',
        "subject_token's grant is revoked or no longer known",
      );
    if (!ancestorsLive)
      throw new MandateError(
        'invalid_request',
        "a grant in subject_token's lineage (an earlier hop of its delegation) is no longer live",
      );
    return task.purpose;
  }

  /** The claims: lifetime `txn_tokens.ttl`, never past the access token's expiry. */
  #claims(
    request: TransactionTokenRequest,
    { claims, targets, chain, lineage }: Subject,
    scope: string,
    purpose: string,
  ): TransactionTokenClaims {
    const now = epochSeconds(this.#o.clock);
    return {
      txn: this.#o.ids.grantId(),
      sub: claims.sub,
      aud: claims.aud,
      purp: purpose,
      tctx: {
        task: claims.task_id,
        client_id: claims.client_id,
        scope,
        tier: claims.tier,
        targets,
        chain,
        grant: {
          client_id: claims.client_id,
          task: claims.task_id,
          jti: claims.jti,
          iat: claims.iat,
        },
      },
      ...(lineage ? { lineage } : {}),
      ...(request.clientAddress !== undefined ? { rctx: { req_ip: request.clientAddress } } : {}),
      iat: now,
      exp: Math.min(now + this.#o.ttlSeconds, claims.exp),
    };
  }

  /** The audit line: ids and the subject token's hash, never a token. */
  #auditIssued(
    request: TransactionTokenRequest,
    { claims }: Subject,
    issued: TransactionTokenClaims,
  ): void {
    this.#o.audit.record({
      event: 'txn_token_issued',
      agent: claims.client_id,
      task: claims.task_id,
      jti: claims.jti,
      txn: issued.txn,
      audience: issued.aud,
      scopes: issued.tctx.scope.split(' ').filter((s) => s.length > 0),
      chain: issued.tctx.chain,
      expires_at: issued.exp,
      subject_token_sha256: sha256Hex(request.subjectToken),
    });
  }
}

/** The scope asked, which must be within the access token's; absent: the token's own. */
function scopeOf(request: TransactionTokenRequest, claims: OwnTokenClaims): string {
  if (request.scopes === undefined) return claims.scope;
  const held = new Set(claims.scope.split(' '));
  const wider = request.scopes.filter((s) => !held.has(s));
  if (wider.length > 0)
    throw new MandateError(
      'invalid_scope',
      `scope ${wider.join(' ')} is not in subject_token's scope; a transaction token only narrows it`,
      { details: { refused_scopes: wider } },
    );
  return [...new Set(request.scopes)].join(' ');
}

/** A transaction token's audience is the access token's: another one is refused, never swapped. */
function assertAudience(request: TransactionTokenRequest, claims: OwnTokenClaims): void {
  if (request.audience !== undefined && request.audience !== claims.aud)
    throw new MandateError(
      'invalid_target',
      `audience ${request.audience} is not subject_token's; a transaction token keeps the access token's audience`,
    );
}

/** The label of a refusal: its code when the metric knows it, else `server_error`. */
function outcomeOf(err: unknown): TxnTokenOutcome {
  const code = isMandateError(err) ? err.code : 'server_error';
  return (TXN_TOKEN_OUTCOMES as readonly string[]).includes(code)
    ? (code as TxnTokenOutcome)
    : 'server_error';
}

function targetsOf(payload: JWTPayload): readonly string[] {
  const t = payload.targets;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}
