import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { LOOP_RULES } from '../loop-rules.js';
import type {
  EndTaskArgs,
  GrantArgs,
  ListAgentArgs,
  RecordGrantArgs,
  RevokeAgentArgs,
  RevokeGrantArgs,
  TaskArgs,
  UnblockAgentArgs,
} from './script-args.js';
import {
  grantLookupReply,
  listAgentReply,
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

function script<Args, Reply>(
  name: string,
  file: string,
  reply: z.ZodType<Reply>,
): StoreScript<Args, Reply> {
  return { name, lua: `${PRELUDE}\n${readLua(file)}`, reply };
}

/** Every script of the store, read once when the store module loads. */
export const STORE_SCRIPTS = {
  recordGrant: script<RecordGrantArgs, z.output<typeof recordReply>>(
    'mandateRecordGrant',
    'record-grant',
    recordReply,
  ),
  getTask: script<TaskArgs, z.output<typeof maybeTaskReply>>(
    'mandateGetTask',
    'get-task',
    maybeTaskReply,
  ),
  getGrant: script<GrantArgs, z.output<typeof grantLookupReply>>(
    'mandateGetGrant',
    'get-grant',
    grantLookupReply,
  ),
  listAgent: script<ListAgentArgs, z.output<typeof listAgentReply>>(
    'mandateListAgent',
    'list-agent',
    listAgentReply,
  ),
  revokeGrant: script<RevokeGrantArgs, z.output<typeof revokeReply>>(
    'mandateRevokeGrant',
    'revoke-grant',
    revokeReply,
  ),
  endTask: script<EndTaskArgs, z.output<typeof endTaskReply>>(
    'mandateEndTask',
    'end-task',
    endTaskReply,
  ),
  revokeAgent: script<RevokeAgentArgs, z.output<typeof revokeReply>>(
    'mandateRevokeAgent',
    'revoke-agent',
    revokeReply,
  ),
  resumeTask: script<TaskArgs, z.output<typeof maybeTaskReply>>(
    'mandateResumeTask',
    'resume-task',
    maybeTaskReply,
  ),
  unblockAgent: script<UnblockAgentArgs, z.output<typeof unblockReply>>(
    'mandateUnblockAgent',
    'unblock-agent',
    unblockReply,
  ),
} as const;
