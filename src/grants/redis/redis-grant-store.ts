import type { Redis } from 'ioredis';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { parseStreamEntry } from '../../revocation/parse-stream-entry.js';
import { RedisRevocationReader } from '../../revocation/redis-revocation-reader.js';
import {
  FEED_START,
  type RevocationEntry,
  type RevocationKind,
  type RevocationPage,
} from '../../revocation/revocation-entry.js';
import type {
  GrantFilter,
  GrantLookup,
  GrantRecord,
  GrantStore,
  RecordGrantInput,
  RecordGrantResult,
  RevocationListener,
  RevokeResult,
  TaskFilter,
  TaskState,
  TaskStatus,
} from '../grant-store.js';
import { KeyLayout } from './key-layout.js';
import {
  loopArgs,
  toGrant,
  toRecordResult,
  toTask,
  type GrantView,
  type RecordReply,
  type RevokeView,
  type TaskView,
} from './script-replies.js';
import { STORE_SCRIPTS } from './scripts.js';
import { guarded } from '../../platform/store-unavailable.js';

type ScriptCall = (base: string, stream: string, ...args: string[]) => Promise<string | null>;
type ScriptedRedis = Redis & Record<keyof typeof STORE_SCRIPTS, ScriptCall>;

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

/** Most agents a cross-agent listing visits: the operator API is not a reporting tool. */
const MAX_AGENTS_SCANNED = 10_000;

/**
 * The {@link GrantStore} shared by broker replicas, in Redis. Each change is one Lua script
 * (EVALSHA, one round trip) on the agent's hash slot; every key carries a TTL; a token is live
 * only while its grant key exists and its task is active, so lost data fails closed.
 */
export class RedisGrantStore implements GrantStore {
  readonly #redis: ScriptedRedis;
  readonly #keys: KeyLayout;
  readonly #clock: Clock;
  readonly #retention: string;
  readonly #reader: RedisRevocationReader;

  constructor(options: RedisGrantStoreOptions) {
    for (const [name, script] of Object.entries(STORE_SCRIPTS))
      options.redis.defineCommand(name, script);
    this.#redis = options.redis as ScriptedRedis;
    this.#keys = new KeyLayout(options.prefix);
    this.#clock = options.clock;
    this.#retention = String(options.revocationRetentionMs);
    this.#reader = new RedisRevocationReader({
      connect: options.connectReader,
      stream: this.#keys.revocations,
      logger: options.logger,
    });
  }

  getTask(agentId: string, taskId: string): Promise<TaskState | null> {
    return guarded(async () => {
      const raw = await this.#run('mandateGetTask', agentId, taskId);
      return raw === null ? null : toTask(JSON.parse(raw) as TaskView);
    });
  }

  recordGrant(input: RecordGrantInput): Promise<RecordGrantResult> {
    const { grant } = input;
    return guarded(async () => {
      const raw = await this.#redis.mandateRecordGrant(
        this.#keys.agentBase(grant.agentId),
        this.#keys.revocations,
        String(input.now),
        this.#retention,
        grant.taskId,
        grant.agentId,
        input.purpose,
        String(input.maxTaskAgeSeconds * 1000),
        grant.jti,
        String(grant.expiresAt),
        grant.resource,
        grant.audience,
        grant.scopes.join(' '),
        grant.tier,
        JSON.stringify(grant.targets),
        String(grant.issuedAt),
        ...loopArgs(input),
      );
      return toRecordResult(JSON.parse(raw!) as RecordReply, grant);
    });
  }

  getGrant(agentId: string, jti: string): Promise<GrantLookup | null> {
    return guarded(async () => {
      const raw = await this.#run('mandateGetGrant', agentId, jti);
      if (raw === null) return null;
      const reply = JSON.parse(raw) as { grant: GrantView; status: TaskStatus | false };
      return {
        grant: toGrant(agentId, { ...reply.grant, jti }),
        live: reply.status === 'active',
        taskStatus: reply.status === false ? null : reply.status,
      };
    });
  }

  listGrants(filter: GrantFilter, limit: number): Promise<GrantRecord[]> {
    return guarded(async () => {
      const out: GrantRecord[] = [];
      for (const agentId of await this.#agentIds(filter.agentId)) {
        for (const { grants } of await this.#listAgent(agentId, filter.taskId)) {
          for (const grant of grants) {
            if (filter.audience === undefined || grant.audience === filter.audience)
              out.push(grant);
          }
        }
      }
      return out.sort((a, b) => b.issuedAt - a.issuedAt).slice(0, limit);
    });
  }

  listTasks(filter: TaskFilter, limit: number): Promise<TaskState[]> {
    return guarded(async () => {
      const out: TaskState[] = [];
      for (const agentId of await this.#agentIds(filter.agentId)) {
        for (const { task } of await this.#listAgent(agentId, undefined)) {
          if (filter.status === undefined || task.status === filter.status) out.push(task);
        }
      }
      return out.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit);
    });
  }

  revokeGrant(agentId: string, jti: string, reason: string): Promise<RevokeResult> {
    return this.#revoke('mandateRevokeGrant', agentId, 'grant', { jti }, reason, [
      this.#retention,
      jti,
      agentId,
      reason,
    ]).then((r) => r!);
  }

  endTask(
    agentId: string,
    taskId: string,
    status: 'completed' | 'revoked',
    reason: string,
  ): Promise<RevokeResult | null> {
    return this.#revoke('mandateEndTask', agentId, 'task', { task: taskId }, reason, [
      this.#retention,
      taskId,
      status,
      agentId,
      reason,
    ]);
  }

  revokeAgent(agentId: string, reason: string): Promise<RevokeResult> {
    return this.#revoke('mandateRevokeAgent', agentId, 'agent', {}, reason, [
      this.#retention,
      agentId,
      reason,
      '',
    ]).then((r) => r!);
  }

  blockAgent(agentId: string, until: number, reason: string): Promise<RevokeResult> {
    return this.#revoke('mandateRevokeAgent', agentId, 'agent', {}, reason, [
      this.#retention,
      agentId,
      reason,
      String(until),
    ]).then((r) => r!);
  }

  unblockAgent(agentId: string): Promise<boolean> {
    return guarded(async () => Number(await this.#run('mandateUnblockAgent', agentId)) === 1);
  }

  blockedUntil(agentId: string): Promise<number | null> {
    return guarded(async () => {
      const until = Number(await this.#redis.get(`${this.#keys.agentBase(agentId)}blocked`));
      return until > this.#clock.now() ? until : null;
    });
  }

  resumeTask(agentId: string, taskId: string): Promise<TaskState | null> {
    return guarded(async () => {
      const raw = await this.#run('mandateResumeTask', agentId, taskId);
      return raw === null ? null : toTask(JSON.parse(raw) as TaskView);
    });
  }

  revocations(since: string | undefined, limit: number): Promise<RevocationPage> {
    return guarded(async () => {
      const from = since === undefined ? '-' : `(${since}`;
      const raw = (await this.#redis.call(
        'XRANGE',
        this.#keys.revocations,
        from,
        '+',
        'COUNT',
        String(limit),
      )) as unknown[];
      const revocations = raw.map(parseStreamEntry).filter((e) => e !== undefined);
      return { revocations, cursor: revocations.at(-1)?.id ?? since ?? FEED_START };
    });
  }

  watchRevocations(listener: RevocationListener): Promise<() => void> {
    return guarded(() => this.#reader.watch(listener));
  }

  ping(): Promise<void> {
    return guarded(async () => {
      await this.#redis.ping();
    });
  }

  async close(): Promise<void> {
    await this.#reader.close();
  }

  /** Runs a read-style script: ARGV = now, ...args. */
  #run(name: keyof typeof STORE_SCRIPTS, agentId: string, ...args: string[]) {
    return this.#redis[name](
      this.#keys.agentBase(agentId),
      this.#keys.revocations,
      String(this.#clock.now()),
      ...args,
    );
  }

  /** Runs a revoking script and builds the feed entry it wrote from its reply. */
  #revoke(
    name: keyof typeof STORE_SCRIPTS,
    agentId: string,
    kind: RevocationKind,
    target: { task?: string; jti?: string },
    reason: string,
    args: string[],
  ): Promise<RevokeResult | null> {
    const now = this.#clock.now();
    return guarded(async () => {
      const raw = await this.#redis[name](
        this.#keys.agentBase(agentId),
        this.#keys.revocations,
        String(now),
        ...args,
      );
      if (raw === null) return null;
      const reply = JSON.parse(raw) as RevokeView;
      const entry: RevocationEntry | null =
        reply.id === undefined
          ? null
          : { id: reply.id, kind, agent: agentId, ...target, at: now, until: reply.until!, reason };
      return { revoked: reply.revoked, entry };
    });
  }

  async #listAgent(
    agentId: string,
    taskId: string | undefined,
  ): Promise<{ task: TaskState; grants: GrantRecord[] }[]> {
    const raw = await this.#run('mandateListAgent', agentId, taskId ?? '');
    const list = JSON.parse(raw!) as unknown;
    if (!Array.isArray(list)) return [];
    return (list as { task: TaskView; grants: GrantView[] | Record<string, never> }[]).map(
      (item) => ({
        task: toTask(item.task),
        grants: Array.isArray(item.grants) ? item.grants.map((g) => toGrant(agentId, g)) : [],
      }),
    );
  }

  /** The agent asked for, or every agent with state under this prefix. */
  async #agentIds(agentId: string | undefined): Promise<string[]> {
    if (agentId !== undefined) return [agentId];
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.#redis.scan(
        cursor,
        'MATCH',
        this.#keys.agentIdPattern,
        'COUNT',
        500,
      );
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0' && keys.length < MAX_AGENTS_SCANNED);
    if (keys.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const key of keys) pipeline.get(key);
    const ids = (await pipeline.exec()) ?? [];
    return [
      ...new Set(ids.map(([, id]) => id).filter((id): id is string => typeof id === 'string')),
    ];
  }
}
