import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { LOOP_RULES } from '../loop-rules.js';
import type {
  EndTaskArgs,
  GrantArgs,
  ListPageArgs,
  RecordGrantArgs,
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

/** The .lua files sit next to this module, in src/ and, copied by `npm run build`, in dist/. */
const readLua = (name: string): string =>
  readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

/**
 * What precedes every script: the loop rules in the order they are checked (the one list both
 * stores read, LOOP_RULES), then lib.lua.
 */
const PRELUDE = `local LOOP_RULES = { ${LOOP_RULES.map((r) => `'${r}'`).join(', ')} }\n${readLua('lib')}`;

/**
 * The script in `lua/<file>.lua`, checked by `reply`, typed to take `Args`; its command name is
 * `mandate` + the file name in PascalCase (`record-grant` -> `mandateRecordGrant`).
 */
const script =
  <Args>() =>
  <S extends z.ZodType>(file: string, reply: S): StoreScript<Args, z.output<S>> => ({
    name: `mandate${file.replace(/(^|-)(\w)/g, (_, _dash: string, c: string) => c.toUpperCase())}`,
    lua: `${PRELUDE}\n${readLua(file)}`,
    reply: reply as z.ZodType<z.output<S>>,
  });

/** Every script of the store, read once when the store module loads. */
export const STORE_SCRIPTS = {
  recordGrant: script<RecordGrantArgs>()('record-grant', recordReply),
  getTask: script<TaskArgs>()('get-task', maybeTaskReply),
  getGrant: script<GrantArgs>()('get-grant', grantLookupReply),
  listPage: script<ListPageArgs>()('list-page', listPageReply),
  revokeGrant: script<RevokeGrantArgs>()('revoke-grant', revokeReply),
  endTask: script<EndTaskArgs>()('end-task', endTaskReply),
  revokeAgent: script<RevokeAgentArgs>()('revoke-agent', revokeReply),
  resumeTask: script<TaskArgs>()('resume-task', maybeTaskReply),
  unblockAgent: script<UnblockAgentArgs>()('unblock-agent', unblockReply),
} as const;
