import { LUA_LIB } from './lua-lib.js';

/** A Lua script of the Redis store: registered with ioredis `defineCommand` (EVALSHA). */
export interface StoreScript {
  readonly numberOfKeys: 2;
  readonly lua: string;
}

/** A script body with the shared library in front of it. */
export const script = (body: string): StoreScript => ({ numberOfKeys: 2, lua: LUA_LIB + body });
