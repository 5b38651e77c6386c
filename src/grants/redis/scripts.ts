import { RECORD_GRANT } from './record-grant-script.js';
import { script } from './store-script.js';

/** The task's state. ARGV: now, task id. Returns JSON task or nil. */
export const GET_TASK = script(`
local t = loadTask(ARGV[2])
if not t then return nil end
return cjson.encode(taskView(ARGV[2], t))
`);

/** A grant and its task's status. ARGV: now, jti. Returns JSON {grant, status} or nil. */
export const GET_GRANT = script(`
local raw = redis.call('HGETALL', base .. 'grant:' .. ARGV[2])
if #raw == 0 then return nil end
local g = toTable(raw)
if tonumber(g.exp) * 1000 <= now then return nil end
local t = loadTask(g.task)
return cjson.encode({ grant = g, status = t and t.status or false })
`);

/**
 * Every unexpired task of the agent with its live grants (one task with ARGV[2] set).
 * ARGV: now, task id or ''. Returns JSON [{task, grants: [{jti, ...}]}].
 */
export const LIST_AGENT = script(`
local tids = {}
if ARGV[2] ~= '' then
  tids = { ARGV[2] }
else
  tids = redis.call('ZRANGEBYSCORE', base .. 'tasks', '(' .. int(now), '+inf')
end
local out = {}
for _, tid in ipairs(tids) do
  local t = loadTask(tid)
  if t then
    local grants = {}
    local jtis = redis.call('ZRANGEBYSCORE', base .. 'grants:' .. tid, '(' .. int(now), '+inf')
    for _, jti in ipairs(jtis) do
      local raw = redis.call('HGETALL', base .. 'grant:' .. jti)
      if #raw > 0 then
        local g = toTable(raw)
        g.jti = jti
        table.insert(grants, g)
      end
    end
    table.insert(out, { task = taskView(tid, t), grants = grants })
  end
end
return cjson.encode(out)
`);

/** Revokes one grant. ARGV: now, retention, jti, agent id, reason. Returns JSON. */
export const REVOKE_GRANT = script(`
local jti = ARGV[3]
local grantKey = base .. 'grant:' .. jti
local raw = redis.call('HGETALL', grantKey)
if #raw == 0 then return cjson.encode({ revoked = 0 }) end
local g = toTable(raw)
redis.call('DEL', grantKey)
redis.call('ZREM', base .. 'grants:' .. g.task, jti)
if tonumber(g.exp) * 1000 <= now then return cjson.encode({ revoked = 0 }) end
local id = append(tonumber(ARGV[2]), { 'kind', 'grant', 'agent', ARGV[4], 'jti', jti,
  'at', int(now), 'until', g.exp, 'reason', ARGV[5] })
return cjson.encode({ revoked = 1, id = id, ['until'] = tonumber(g.exp) })
`);

/**
 * Ends a task (completed or revoked) and kills its grants. ARGV: now, retention, task id,
 * status, agent id, reason. Returns JSON or nil when the task does not exist.
 */
export const END_TASK = script(`
local tid = ARGV[3]
if not loadTask(tid) then return nil end
local n, maxExp = killTask(tid, ARGV[4])
local untilS = untilSeconds(maxExp)
local id = append(tonumber(ARGV[2]), { 'kind', 'task', 'agent', ARGV[5], 'task', tid,
  'at', int(now), 'until', int(untilS), 'reason', ARGV[6] })
return cjson.encode({ revoked = n, id = id, ['until'] = untilS })
`);

/**
 * Revokes every task of the agent, and blocks it when ARGV[5] is an epoch ms. ARGV: now,
 * retention, agent id, reason, block until or ''. Returns JSON.
 */
export const REVOKE_AGENT = script(`
local total, latest = killAgent(true)
if ARGV[5] ~= '' then
  local blockUntil = tonumber(ARGV[5])
  redis.call('SET', base .. 'blocked', ARGV[5], 'PX', math.max(1, blockUntil - now))
end
local untilS = untilSeconds(latest)
local id = append(tonumber(ARGV[2]), { 'kind', 'agent', 'agent', ARGV[3], 'at', int(now),
  'until', int(untilS), 'reason', ARGV[4] })
return cjson.encode({ revoked = total, id = id, ['until'] = untilS })
`);

/**
 * Makes a halted task active, restarting its loop budgets. ARGV: now, task id. Returns JSON task
 * or nil.
 */
export const RESUME_TASK = script(`
local tid = ARGV[2]
local t = loadTask(tid)
if not t then return nil end
if t.status == 'halted' then
  -- loop budgets start afresh from here, or the next exchange would trip again at once
  redis.call('HSET', base .. 'task:' .. tid, 'status', 'active', 'budget_base', t.exchanges,
    'age_base', int(now))
  redis.call('HDEL', base .. 'task:' .. tid, 'halt_rule', 'halt_reason', 'halt_at')
  redis.call('DEL', base .. 'win:' .. tid)
  t.status, t.halt_rule, t.halt_reason, t.halt_at = 'active', nil, nil, nil
end
return cjson.encode(taskView(tid, t))
`);

/** Lifts a block. ARGV: now. Returns 1 when the agent was blocked. */
export const UNBLOCK_AGENT = script(`
local blocked = tonumber(redis.call('GET', base .. 'blocked') or '0')
redis.call('DEL', base .. 'blocked')
if blocked > now then return 1 end
return 0
`);

/** Every script by the ioredis command name it is defined as. */
export const STORE_SCRIPTS = {
  mandateRecordGrant: RECORD_GRANT,
  mandateGetTask: GET_TASK,
  mandateGetGrant: GET_GRANT,
  mandateListAgent: LIST_AGENT,
  mandateRevokeGrant: REVOKE_GRANT,
  mandateEndTask: END_TASK,
  mandateRevokeAgent: REVOKE_AGENT,
  mandateResumeTask: RESUME_TASK,
  mandateUnblockAgent: UNBLOCK_AGENT,
} as const;
