import type { Redis } from 'ioredis';
import { z } from 'zod';
import { guarded } from '../platform/store-unavailable.js';
import { agentHash } from './aws-names.js';
import {
  matches,
  type AwsSessionLedger,
  type AwsSessionRecord,
  type SessionFilter,
} from './aws-session-ledger.js';

// One hash per agent, `<prefix>:aws:{<agent-hash>}:sessions`, grant id -> session JSON, in the
// agent's slot; the key lives until its last session expires. The lifetime is relative (EXPIRE,
// seconds from now): an absolute time would be read on Redis's clock, not the broker's.
const RECORD = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local ttl = redis.call('TTL', KEYS[1])
if ttl < tonumber(ARGV[3]) then
  redis.call('EXPIRE', KEYS[1], ARGV[3])
end
return 1
`;

const session = z.object({
  grantId: z.string(),
  agentId: z.string(),
  taskId: z.string(),
  roleArn: z.string(),
  sessionName: z.string(),
  issuedAt: z.number(),
  expiresAt: z.number(),
});

/** The {@link AwsSessionLedger} in Redis, shared by every broker on the store. */
export class RedisAwsSessionLedger implements AwsSessionLedger {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: { redis: Redis; prefix: string }) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
  }

  #key(agentId: string): string {
    return `${this.#prefix}:aws:{${agentHash(agentId)}}:sessions`;
  }

  record(s: AwsSessionRecord): Promise<void> {
    return guarded(async () => {
      await this.#redis.eval(
        RECORD,
        1,
        this.#key(s.agentId),
        s.grantId,
        JSON.stringify(s),
        String(Math.max(1, s.expiresAt - s.issuedAt)),
      );
    });
  }

  forget(agentId: string, grantId: string): Promise<void> {
    return guarded(async () => {
      await this.#redis.hdel(this.#key(agentId), grantId);
    });
  }

  sessionsOf(
    agentId: string,
    filter: SessionFilter,
    nowSeconds: number,
  ): Promise<AwsSessionRecord[]> {
    return guarded(async () => {
      const key = this.#key(agentId);
      const all = Object.entries(await this.#redis.hgetall(key));
      const live: AwsSessionRecord[] = [];
      const expired: string[] = [];
      for (const [id, json] of all) {
        const parsed = session.safeParse(JSON.parse(json));
        if (!parsed.success || parsed.data.expiresAt <= nowSeconds) expired.push(id);
        else live.push(parsed.data);
      }
      if (expired.length > 0) await this.#redis.hdel(key, ...expired);
      return live.filter((s) => matches(s, filter));
    });
  }
}
