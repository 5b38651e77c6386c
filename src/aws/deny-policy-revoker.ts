import type { AuditLog } from '../audit/audit-log.js';
import type { Metrics } from '../metrics/metrics.js';
import { epochSeconds, type Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { RevocationEntry } from '../revocation/revocation-entry.js';
import type { RevocationFeed } from '../revocation/revocation-feed.js';
import { agentHash, SESSION_TAGS, tagValue } from './aws-names.js';
import type { AwsSessionLedger, AwsSessionRecord } from './aws-session-ledger.js';
import { folded, pruned, withDeny, type Deny } from './deny-policy.js';
import type { RevokerCursor } from './revoker-cursor.js';
import { RolePolicyTooLarge, type RolePolicies } from './role-policies.js';

/** Options of {@link DenyPolicyRevoker}. */
export interface DenyPolicyRevokerOptions {
  readonly feed: RevocationFeed;
  readonly sessions: AwsSessionLedger;
  readonly policies: RolePolicies;
  readonly cursor: RevokerCursor;
  /** The inline policy's name on each role (`aws.deny_policy_name`). */
  readonly policyName: string;
  /** Every role of the catalogue: pruned on a timer, and all denied on an `epoch` entry. */
  readonly roles: readonly string[];
  /** The longest session the broker issues, seconds: how long an `epoch` deny is kept. */
  readonly maxSessionSeconds: number;
  /** IAM's limit on a role's inline policies, characters without whitespace. */
  readonly limitChars: number;
  readonly retryMs: number;
  readonly pruneEveryMs: number;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly metrics: Pick<Metrics, 'awsRevocations'>;
  readonly logger: Logger;
}

/** What `/readyz` shows of the revoker. */
export interface RevokerHealth {
  readonly state: 'ok' | 'retrying';
  /** While retrying: when the first failed attempt was, ISO 8601, and what failed. */
  readonly failing_since?: string;
  readonly last_error?: string;
}

/**
 * Makes revocation reach AWS (`aws.revocation: deny_policy`, docs/aws.md). It follows the
 * revocation feed, so every path that revokes (operator, agent, task completion, loop trip,
 * cascade, lost store) is caught in one place, and resumes from its cursor after a restart. For
 * each entry it finds the AWS sessions it reaches in the session ledger and adds a deny for
 * their tags to an inline policy on each role, kept until they expire; entries are applied in
 * order, and a failure stops at that entry and is retried (counted, logged, shown in
 * `/readyz`), never skipped.
 *
 * @example
 * const revoker = new DenyPolicyRevoker(options);
 * await revoker.start();
 */
export class DenyPolicyRevoker {
  readonly #o: DenyPolicyRevokerOptions;
  #cursor: string | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #unwatch: (() => void) | undefined;
  #retry: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #failure: { since: number; error: string } | undefined;
  /** Serialises every read-modify-write of a role's policy in this process. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: DenyPolicyRevokerOptions) {
    this.#o = options;
  }

  /** Reads the cursor, watches the feed and applies what is pending; prunes on a timer. */
  async start(): Promise<void> {
    this.#pruneTimer = setInterval(() => void this.pruneAll(), this.#o.pruneEveryMs);
    this.#pruneTimer.unref();
    await this.drain();
  }

  /** Stops watching and retrying. */
  close(): void {
    this.#stopped = true;
    this.#unwatch?.();
    clearTimeout(this.#retry);
    clearInterval(this.#pruneTimer);
  }

  /** What `/readyz` shows. */
  health(): RevokerHealth {
    if (!this.#failure) return { state: 'ok' };
    return {
      state: 'retrying',
      failing_since: new Date(this.#failure.since).toISOString(),
      last_error: this.#failure.error,
    };
  }

  #kick(): void {
    void this.drain();
  }

  /**
   * Applies every entry after the cursor, in order; resolves when done or stopped by a failure
   * (then retried on a timer). Called while a drain runs, that drain goes round once more and
   * this resolves with it.
   */
  drain(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#drainOnce();
        } while (this.#again && !this.#stopped);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  async #drainOnce(): Promise<void> {
    try {
      // Watch first, so nothing appended while the pending entries are read is missed.
      this.#unwatch ??= await this.#o.feed.watchRevocations(() => this.#kick());
      this.#cursor ??= await this.#o.cursor.get();
      for (;;) {
        const page = await this.#o.feed.revocations(this.#cursor, 100);
        for (const entry of page.revocations) {
          await this.#apply(entry);
          this.#cursor = entry.id;
          await this.#o.cursor.set(entry.id);
        }
        if (page.revocations.length < 100) break;
      }
      if (this.#failure) this.#o.logger.info('AWS revocations reach IAM again');
      this.#failure = undefined;
    } catch (err) {
      this.#failed(err);
    }
  }

  #failed(err: unknown): void {
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.#failure = { since: this.#failure?.since ?? this.#o.clock.now(), error };
    this.#o.metrics.awsRevocations.inc({ outcome: 'failed' });
    this.#o.logger.error(
      { err, cursor: this.#cursor },
      'AWS revocation not written to IAM yet; retrying',
    );
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.drain(), this.#o.retryMs);
    this.#retry.unref();
  }

  /** The denies one feed entry asks for, written role by role. */
  async #apply(entry: RevocationEntry): Promise<void> {
    const now = epochSeconds(this.#o.clock);
    if (entry.kind === 'epoch') {
      const until = Math.floor(entry.at / 1000) + this.#o.maxSessionSeconds;
      for (const role of this.#o.roles) await this.#deny(role, entry, { tags: {}, until }, true);
      return;
    }
    const filter =
      entry.kind === 'grant'
        ? { grantId: entry.jti ?? '' }
        : entry.kind === 'task'
          ? { taskId: entry.task ?? '' }
          : {};
    const sessions = await this.#o.sessions.sessionsOf(entry.agent, filter, now);
    for (const [role, ofRole] of byRole(sessions)) {
      const until = Math.max(...ofRole.map((s) => s.expiresAt));
      await this.#deny(role, entry, denyFor(entry, until), false);
    }
  }

  /** Writes one deny on a role: read, change, write; folded when IAM says it does not fit. */
  #deny(role: string, entry: RevocationEntry, deny: Deny, everyone: boolean): Promise<void> {
    return this.#serial(async () => {
      const now = epochSeconds(this.#o.clock);
      const { policies, policyName, limitChars } = this.#o;
      const current = await policies.get(role, policyName);
      let change = everyone
        ? {
            document: folded([...(current?.Statement ?? []), untilMarker(deny.until)], now),
            statement: 'issued_before' as const,
            pruned: 0,
          }
        : withDeny(current, deny, now, limitChars);
      try {
        await policies.put(role, policyName, change.document);
      } catch (err) {
        if (!(err instanceof RolePolicyTooLarge) || change.statement === 'issued_before') throw err;
        // The role's other inline policies take room too: fold ours.
        change = {
          ...change,
          document: folded(change.document.Statement, now),
          statement: 'issued_before',
        };
        await policies.put(role, policyName, change.document);
      }
      this.#o.metrics.awsRevocations.inc({
        outcome: change.statement === 'tag' ? 'denied' : 'folded',
      });
      this.#o.audit.record({
        event: 'aws_sessions_denied',
        role_arn: role,
        revocation: entry.kind,
        agent: entry.agent,
        ...(entry.task !== undefined ? { task: entry.task } : {}),
        ...(entry.jti !== undefined ? { jti: entry.jti } : {}),
        statement: change.statement,
        until: deny.until,
        feed_id: entry.id,
      });
    });
  }

  /** Drops expired statements from every catalogue role's deny policy (deleted when empty). */
  async pruneAll(): Promise<void> {
    for (const role of this.#o.roles) {
      try {
        await this.#serial(() => this.#prune(role));
      } catch (err) {
        this.#o.metrics.awsRevocations.inc({ outcome: 'failed' });
        this.#o.logger.warn({ err, role }, 'AWS deny policy not pruned; retried at the next prune');
      }
    }
  }

  async #prune(role: string): Promise<void> {
    const { policies, policyName } = this.#o;
    const current = await policies.get(role, policyName);
    const after = pruned(current, epochSeconds(this.#o.clock));
    if (after.pruned === 0) return;
    if (after.document) await policies.put(role, policyName, after.document);
    else await policies.delete(role, policyName);
    this.#o.metrics.awsRevocations.inc({ outcome: 'pruned' });
    this.#o.audit.record({
      event: 'aws_deny_pruned',
      role_arn: role,
      pruned: after.pruned,
      left: after.document?.Statement.length ?? 0,
    });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#chain.then(work, work);
    this.#chain = next.catch(() => undefined);
    return next;
  }
}

/** The deny of one entry: its grant's tag; its task's (with the agent's); the agent's sessions until then. */
function denyFor(entry: RevocationEntry, until: number): Deny {
  const agent = agentHash(entry.agent);
  switch (entry.kind) {
    case 'grant':
      return { tags: { [SESSION_TAGS.grant]: tagValue(entry.jti ?? '') }, until };
    case 'task':
      return {
        tags: { [SESSION_TAGS.agent]: agent, [SESSION_TAGS.task]: tagValue(entry.task ?? '') },
        until,
      };
    default:
      // An agent revocation ends what was issued up to its second; later sessions stand.
      return {
        tags: { [SESSION_TAGS.agent]: agent },
        issuedBefore: Math.floor(entry.at / 1000) + 1,
        until,
      };
  }
}

/** A placeholder statement that only carries `until` into a fold. */
function untilMarker(until: number) {
  return {
    Sid: `Mandate${until}B`,
    Effect: 'Deny' as const,
    Action: '*',
    Resource: '*',
    Condition: { DateLessThan: { 'aws:TokenIssueTime': '1970-01-01T00:00:00Z' } },
  };
}

function byRole(sessions: readonly AwsSessionRecord[]): Map<string, AwsSessionRecord[]> {
  const map = new Map<string, AwsSessionRecord[]>();
  for (const s of sessions) map.set(s.roleArn, [...(map.get(s.roleArn) ?? []), s]);
  return map;
}
