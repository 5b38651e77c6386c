import type { Redis } from 'ioredis';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { guarded } from '../../platform/store-unavailable.js';
import { RedisRevocationFeed } from '../../revocation/redis-revocation-feed.js';
import type { RevocationEntry, RevocationKind } from '../../revocation/revocation-entry.js';
import type {
  GrantRecord,
  RecordAttemptInput,
  RecordAttemptResult,
  RecordGrantInput,
  RecordGrantResult,
  RevokeResult,
  TaskState,
} from '../grant-records.js';
import type { GrantStore } from '../grant-store.js';
import { KeyLayout } from './key-layout.js';
import type { RecordGrantConstants, RevokingArgs } from './script-args.js';
import { RedisGrantQueries } from './redis-grant-queries.js';
import { delegationText, toAttemptResult, toRecordResult, toTask } from './script-replies.js';
import { ScriptRunner } from './script-runner.js';
import { QueriesAndFeed } from '../queries-and-feed.js';
import { RECORD_GRANT, STORE_SCRIPTS } from './store-scripts.js';

/** Options of {@link RedisGrantStore}; the clients are built by the composition root. */
export interface RedisGrantStoreOptions {
  readonly redis: Redis;
  /** Builds a dedicated connection for the blocking revocation reader. */
  readonly connectReader: () => Redis;
  readonly prefix: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How long revocation entries are kept, ms (at least the longest token life). */
  readonly revocationRetentionMs: number;
}

/**
 * The {@link GrantStore} shared by broker replicas, in Redis: the ledger here, the queries in
 * {@link RedisGrantQueries}, the feed in {@link RedisRevocationFeed}. Each change is one Lua
 * script (EVALSHA, one round trip) on the agent's hash slot; every key carries a TTL; a token is
 * live only while its grant key exists and its task is active, so lost data fails closed.
 */
export class RedisGrantStore extends QueriesAndFeed implements GrantStore {
  readonly #redis: Redis;
  readonly #keys: KeyLayout;
  readonly #scripts: ScriptRunner;
  readonly #clock: Clock;
  readonly #retention: number;
  readonly #feed: RedisRevocationFeed;

  constructor(options: RedisGrantStoreOptions) {
    const { redis, clock } = options;
    const keys = new KeyLayout(options.prefix);
    const scripts = new ScriptRunner(redis, keys);
    const feed = new RedisRevocationFeed({
      redis,
      connectReader: options.connectReader,
      stream: keys.revocations,
      clock,
      logger: options.logger,
      retentionMs: options.revocationRetentionMs,
    });
    super({ queries: new RedisGrantQueries({ redis, scripts, keys, clock }), feed });
    this.#redis = redis;
    this.#keys = keys;
    this.#scripts = scripts;
    this.#clock = clock;
    this.#retention = options.revocationRetentionMs;
    this.#feed = feed;
  }

  getTask(agentId: string, taskId: string): Promise<TaskState | null> {
    return guarded(async () => {
      const now = this.#clock.now();
      const reply = await this.#scripts.run(STORE_SCRIPTS.getTask, agentId, { now, task: taskId });
      return reply.task ? toTask(agentId, reply.task) : null;
    });
  }

  recordGrant(input: RecordGrantInput): Promise<RecordGrantResult> {
    const { grant } = input;
    return guarded(async () => {
      const reply = await this.#scripts.runBaked(
        RECORD_GRANT,
        this.#constants(input),
        grant.agentId,
        {
          now: input.now,
          task: grant.taskId,
          agent: grant.agentId,
          purpose: input.purpose,
          grant: {
            jti: grant.jti,
            exp: grant.expiresAt,
            res: grant.resource,
            aud: grant.audience,
            scope: grant.scopes.join(' '),
            tier: grant.tier,
            targets: JSON.stringify(grant.targets),
            iat: grant.issuedAt,
            ...delegationText(grant),
          },
          ...parentArgs(grant),
          fp: input.fingerprint ?? '',
        },
      );
      return toRecordResult(reply, grant);
    });
  }

  recordAttempt(input: RecordAttemptInput): Promise<RecordAttemptResult> {
    return guarded(async () => {
      const reply = await this.#scripts.runBaked(
        RECORD_GRANT,
        this.#constants(input),
        input.agentId,
        {
          now: input.now,
          task: input.taskId,
          agent: input.agentId,
          purpose: input.purpose,
          attempt: input.attemptId,
          ...(input.cycle ? { cycle: true as const } : {}),
          fp: input.fingerprint ?? '',
        },
      );
      return toAttemptResult(input.agentId, reply);
    });
  }

  revokeGrant(agentId: string, jti: string, reason: string): Promise<RevokeResult> {
    const args = this.#revoking(agentId, reason);
    return guarded(async () => {
      const reply = await this.#scripts.run(STORE_SCRIPTS.revokeGrant, agentId, { ...args, jti });
      return revokeResult(args, 'grant', { jti }, reply);
    });
  }

  endTask(
    agentId: string,
    taskId: string,
    status: 'completed' | 'revoked',
    reason: string,
  ): Promise<RevokeResult | null> {
    const args = this.#revoking(agentId, reason);
    return guarded(async () => {
      const reply = await this.#scripts.run(STORE_SCRIPTS.endTask, agentId, {
        ...args,
        task: taskId,
        status,
      });
      return reply.missing ? null : revokeResult(args, 'task', { task: taskId }, reply);
    });
  }

  revokeAgent(agentId: string, reason: string): Promise<RevokeResult> {
    const args = this.#revoking(agentId, reason);
    return guarded(async () => {
      const reply = await this.#scripts.run(STORE_SCRIPTS.revokeAgent, agentId, args);
      return revokeResult(args, 'agent', {}, reply);
    });
  }

  blockAgent(agentId: string, until: number, reason: string): Promise<RevokeResult> {
    const args = this.#revoking(agentId, reason);
    return guarded(async () => {
      const reply = await this.#scripts.run(STORE_SCRIPTS.revokeAgent, agentId, {
        ...args,
        block_until: until,
      });
      return revokeResult(args, 'agent', {}, reply);
    });
  }

  unblockAgent(agentId: string): Promise<boolean> {
    return guarded(async () => {
      const now = this.#clock.now();
      return (await this.#scripts.run(STORE_SCRIPTS.unblockAgent, agentId, { now })).was_blocked;
    });
  }

  blockedUntil(agentId: string): Promise<number | null> {
    return guarded(async () => {
      const until = Number(await this.#redis.get(`${this.#keys.agentBase(agentId)}blocked`));
      return until > this.#clock.now() ? until : null;
    });
  }

  resumeTask(agentId: string, taskId: string): Promise<TaskState | null> {
    return guarded(async () => {
      const now = this.#clock.now();
      const reply = await this.#scripts.run(STORE_SCRIPTS.resumeTask, agentId, {
        now,
        task: taskId,
      });
      return reply.task ? toTask(agentId, reply.task) : null;
    });
  }

  ping(): Promise<void> {
    return guarded(async () => {
      await this.#redis.ping();
    });
  }

  close(): Promise<void> {
    return this.#feed.close();
  }

  /** What record-grant.lua holds in its text for this store and these limits. */
  #constants(input: Omit<RecordGrantInput, 'grant'>): RecordGrantConstants {
    return {
      retention: this.#retention,
      max_age_ms: input.maxTaskAgeSeconds * 1000,
      ...(input.maxLiveTasks !== undefined ? { max_live_tasks: input.maxLiveTasks } : {}),
      ...(input.loops ? { loops: input.loops } : {}),
      ...(input.rateLimit && input.rateLimit.max > 0 ? { rate: input.rateLimit } : {}),
    };
  }

  /** The arguments every revoking script takes. */
  #revoking(agentId: string, reason: string): RevokingArgs {
    return { now: this.#clock.now(), retention: this.#retention, agent: agentId, reason };
  }
}

/** The task a delegated grant starts names the task of its parent token. */
function parentArgs(grant: GrantRecord): { parent?: { agent: string; task: string } } {
  const parent = grant.delegation?.lineage.at(-1);
  return parent ? { parent: { agent: parent.client_id, task: parent.task } } : {};
}

/** A revoking script's reply as the store's result, with the feed entry the script wrote. */
function revokeResult(
  args: RevokingArgs,
  kind: RevocationKind,
  target: { task?: string; jti?: string },
  reply: {
    revoked: number;
    id?: string | undefined;
    until?: number | undefined;
    aud?: string | undefined;
  },
): RevokeResult {
  const entry: RevocationEntry | null =
    reply.id === undefined || reply.until === undefined
      ? null
      : {
          id: reply.id,
          kind,
          agent: args.agent,
          ...target,
          at: args.now,
          until: reply.until,
          reason: args.reason,
          ...(reply.aud === undefined ? {} : { aud: reply.aud }),
        };
  return { revoked: reply.revoked, entry };
}
