import type { Redis } from 'ioredis';
import type { KeyLayout } from './key-layout.js';
import { STORE_SCRIPTS, type StoreScript } from './store-scripts.js';

type ScriptCall = (base: string, stream: string, agents: string, args: string) => Promise<unknown>;

/**
 * The one seam between TypeScript and Lua: defines every store script on a client, and runs
 * one with its argument object (JSON in ARGV[1]) on an agent's keys, returning its checked reply.
 */
export class ScriptRunner {
  readonly #redis: Redis;
  readonly #keys: KeyLayout;

  constructor(redis: Redis, keys: KeyLayout) {
    for (const s of Object.values(STORE_SCRIPTS))
      redis.defineCommand(s.name, { numberOfKeys: 3, lua: s.lua });
    this.#redis = redis;
    this.#keys = keys;
  }

  /** Runs `script` on the keys of `agentId`; rejects when Redis fails or the reply is off. */
  async run<Args, Reply>(
    script: StoreScript<Args, Reply>,
    agentId: string,
    args: Args,
  ): Promise<Reply> {
    const call = (this.#redis as unknown as Record<string, ScriptCall>)[script.name]!;
    const raw = await call.call(
      this.#redis,
      this.#keys.agentBase(agentId),
      this.#keys.revocations,
      this.#keys.agents,
      JSON.stringify(args),
    );
    if (typeof raw !== 'string') throw new TypeError(`${script.name} replied no JSON`);
    return script.reply.parse(JSON.parse(raw));
  }
}
