/** What the floor benchmark reads from Redis: its CPU time, and the memory of a key prefix. */
import type { Redis } from 'ioredis';

/** used_cpu_user + used_cpu_sys of the Redis server (INFO cpu), in µs. */
export async function redisCpuMicros(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1]);
  const seconds = field('used_cpu_user') + field('used_cpu_sys');
  if (!Number.isFinite(seconds)) throw new Error('INFO cpu has no used_cpu_user/used_cpu_sys');
  return seconds * 1e6;
}

/** Bytes held by the keys of a prefix, and how many of them `isGrant` counts as grants. */
export interface PrefixMemory {
  readonly keys: number;
  readonly bytes: number;
  readonly grants: number;
}

/** SCANs `<prefix>:*` and sums MEMORY USAGE (every value sampled) over the keys found. */
export async function prefixMemory(
  redis: Redis,
  prefix: string,
  isGrant: (key: string) => boolean,
): Promise<PrefixMemory> {
  let keys = 0;
  let bytes = 0;
  let grants = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const sizes = (await pipeline.exec()) ?? [];
    batch.forEach((key, i) => {
      const size = sizes[i]?.[1];
      if (typeof size !== 'number') return; // expired since the SCAN
      keys += 1;
      bytes += size;
      if (isGrant(key)) grants += 1;
    });
  } while (cursor !== '0');
  return { keys, bytes, grants };
}
