import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { KeyLayout } from './key-layout.js';
import { STORE_SCRIPTS, type BakedScript, type StoreScript } from './store-scripts.js';

type ScriptCall = (base: string, stream: string, agents: string, args: string) => Promise<unknown>;

/**
 * Texts of a baked script one runner keeps: a store runs with one set of constants (the
 * config's), tests with a few; past this the oldest text is dropped and made again if needed.
 */
const BAKED_TEXTS = 8;

/**
 * The one seam between TypeScript and Lua: defines every store script on a client, and runs
 * one with its argument object (JSON in ARGV[1]) on an agent's keys, returning its checked reply.
 */
export class ScriptRunner {
  readonly #redis: Redis;
  readonly #keys: KeyLayout;
  /** Baked texts by script name and constants: the text and its SHA-1 (EVALSHA). */
  readonly #baked = new Map<string, { lua: string; sha: string }>();

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
    return parseReply(script, raw);
  }

  /**
   * Runs `script` with the store's `constants` in its text: EVALSHA, or EVAL when Redis does
   * not hold that text yet (a new text, a restarted or flushed Redis), as ioredis does for the
   * others.
   */
  async runBaked<Constants, Args, Reply>(
    script: BakedScript<Constants, Args, Reply>,
    constants: Constants,
    agentId: string,
    args: Args,
  ): Promise<Reply> {
    const text = this.#text(script, constants);
    const keysAndArgs = [
      this.#keys.agentBase(agentId),
      this.#keys.revocations,
      this.#keys.agents,
      JSON.stringify(args),
    ];
    let raw: unknown;
    try {
      raw = await this.#redis.evalsha(text.sha, 3, ...keysAndArgs);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      raw = await this.#redis.eval(text.lua, 3, ...keysAndArgs);
    }
    return parseReply(script, raw);
  }

  #text<Constants>(
    script: BakedScript<Constants, unknown, unknown>,
    constants: Constants,
  ): { lua: string; sha: string } {
    const id = `${script.name}:${JSON.stringify(constants)}`;
    let text = this.#baked.get(id);
    if (!text) {
      const lua = script.lua(constants);
      text = { lua, sha: createHash('sha1').update(lua).digest('hex') };
      if (this.#baked.size >= BAKED_TEXTS) this.#baked.delete(this.#baked.keys().next().value!);
      this.#baked.set(id, text);
    }
    return text;
  }
}

/** A script's reply, checked. */
function parseReply<Reply>(
  script: { name: string; reply: { parse(v: unknown): Reply } },
  raw: unknown,
): Reply {
  if (typeof raw !== 'string') throw new TypeError(`${script.name} replied no JSON`);
  return script.reply.parse(JSON.parse(raw));
}
