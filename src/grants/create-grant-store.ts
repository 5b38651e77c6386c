import { ConfigError, type Config } from '../config/load-config.js';
import type { Clock } from '../platform/clock.js';
import type { GrantStore } from './grant-store.js';
import { MemoryGrantStore } from './memory-grant-store.js';

/** Builds the store the config asks for: Redis with `store.redis_url`, memory without. */
export function createGrantStore(config: Config, deps: { clock: Clock }): GrantStore {
  if (config.store.redis_url !== undefined) {
    throw new ConfigError(config.configDir, [
      'store.redis_url: the Redis grant store is not part of this build yet',
    ]);
  }
  return new MemoryGrantStore({ clock: deps.clock });
}
