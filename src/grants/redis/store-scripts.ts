import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { LOOP_RULES } from '../loop-rules.js';
import type {
  EndTaskArgs,
  GrantArgs,
  ListPageArgs,
  RecordGrantArgs,
  RecordGrantConstants,
  RevokeAgentArgs,
  RevokeGrantArgs,
  TaskArgs,
  UnblockAgentArgs,
} from './script-args.js';
import {
  grantLookupReply,
  listPageReply,
  endTaskReply,
  maybeTaskReply,
  recordReply,
  revokeReply,
  unblockReply,
} from './script-replies.js';

/**
 * One Lua script of the Redis store: its ioredis command name (EVALSHA), its source with the
 * shared library in front, and the check of its reply. `Args` is the one argument object it
 * takes; `Reply` what its reply is once checked.
 */
export interface StoreScript<Args, Reply> {
  readonly name: string;
  readonly lua: string;
  readonly reply: z.ZodType<Reply>;
  /** Never set: carries the argument type to the caller of the script. */
  readonly args?: Args;
}

/**
 * A store script whose text also holds constants of the store, `K` in Lua: one text (and one
 * script in Redis) per set of constants, made by `lua`. The constants are typed by `Constants`
 * and written as a Lua table literal, so the script never decodes them.
 */
export interface BakedScript<Constants, Args, Reply> {
  readonly name: string;
  lua(constants: Constants): string;
  readonly reply: z.ZodType<Reply>;
  /** Never set: carries the argument type to the caller of the script. */
  readonly args?: Args;
}

/** The .lua files sit next to this module, in src/ and, copied by `npm run build`, in dist/. */
const readLua = (name: string): string =>
  readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

/**
 * What precedes every script: the loop rules in the order they are checked (the one list both
 * stores read, LOOP_RULES), then lib.lua.
 */
const PRELUDE = `local LOOP_RULES = { ${LOOP_RULES.map((r) => `'${r}'`).join(', ')} }\n${readLua('lib')}`;

/** `mandate` + the file name in PascalCase (`record-grant` -> `mandateRecordGrant`). */
const commandName = (file: string): string =>
  `mandate${file.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase())}`;

/**
 * The script in `lua/<file>.lua`, checked by `reply`, typed to take `Args`; its command name is
 * `mandate` + the file name in PascalCase (`record-grant` -> `mandateRecordGrant`).
 */
const script =
  <Args>() =>
  <S extends z.ZodType>(file: string, reply: S): StoreScript<Args, z.output<S>> => ({
    name: commandName(file),
    lua: `${PRELUDE}\n${readLua(file)}`,
    reply: reply as z.ZodType<z.output<S>>,
  });

/** `value` (numbers and tables of them; absent members left out) as a Lua literal. */
export function luaLiteral(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => {
        if (!/^[A-Za-z_]\w*$/.test(k)) throw new TypeError(`not a Lua name: ${k}`);
        return `${k} = ${luaLiteral(v)}`;
      });
    return `{ ${members.join(', ')} }`;
  }
  throw new TypeError(`no Lua literal for ${typeof value}`);
}

/** As {@link script}, with the store's constants `K` written in front of the script's own text. */
const baked =
  <Constants, Args>() =>
  <S extends z.ZodType>(file: string, reply: S): BakedScript<Constants, Args, z.output<S>> => {
    const body = readLua(file);
    return {
      name: commandName(file),
      lua: (constants) => `${PRELUDE}\nlocal K = ${luaLiteral(constants)}\n${body}`,
      reply: reply as z.ZodType<z.output<S>>,
    };
  };

/** The script that records every exchange, with the store's constants in its text. */
export const RECORD_GRANT = baked<RecordGrantConstants, RecordGrantArgs>()(
  'record-grant',
  recordReply,
);

/** Every script of the store, read once when the store module loads. */
export const STORE_SCRIPTS = {
  getTask: script<TaskArgs>()('get-task', maybeTaskReply),
  getGrant: script<GrantArgs>()('get-grant', grantLookupReply),
  listPage: script<ListPageArgs>()('list-page', listPageReply),
  revokeGrant: script<RevokeGrantArgs>()('revoke-grant', revokeReply),
  endTask: script<EndTaskArgs>()('end-task', endTaskReply),
  revokeAgent: script<RevokeAgentArgs>()('revoke-agent', revokeReply),
  resumeTask: script<TaskArgs>()('resume-task', maybeTaskReply),
  unblockAgent: script<UnblockAgentArgs>()('unblock-agent', unblockReply),
} as const;
