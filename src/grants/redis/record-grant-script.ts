import { script } from './store-script.js';

/**
 * Records a grant in one atomic step: refuses a blocked agent, counts the agent's exchange rate,
 * refuses a task that is not active, creates a new task, clamps the grant's expiry to the task's
 * end (refusing when nothing of it is left), applies the loop rules and, when one trips, halts
 * the task, revokes its grants, appends their revocations and, past the agent's halted-task
 * limit, blocks the agent and revokes the rest of what it holds.
 *
 * ARGV: 1 now, 2 retention, 3 task id, 4 agent id, 5 purpose, 6 max task age ms, 7 jti,
 * 8 grant exp (epoch s), 9 resource, 10 audience, 11 scope, 12 tier, 13 targets (JSON),
 * 14 iat (epoch s), 15 loop rules on ('1'/'0'), 16 window ms, 17 max exchanges in window,
 * 18 max identical in window, 19 max grants, 20 max live grants, 21 loop max task age ms,
 * 22 agent window ms, 23 max halted tasks, 24 block for ms, 25 rate max (0: off),
 * 26 rate window ms, 27 intent fingerprint. Returns JSON: {ok, task, exp} (exp: the recorded
 * expiry, epoch s) or {refusal, ...}.
 */
export const RECORD_GRANT = script(`
local retention = tonumber(ARGV[2])
local tid, agent, purpose = ARGV[3], ARGV[4], ARGV[5]
local maxAge = tonumber(ARGV[6])
local jti, expS = ARGV[7], tonumber(ARGV[8])
local expMs = expS * 1000
local loopsOn = ARGV[15] == '1'
local windowMs, maxEx, maxId = tonumber(ARGV[16]), tonumber(ARGV[17]), tonumber(ARGV[18])
local maxGrants, maxLive, loopAge = tonumber(ARGV[19]), tonumber(ARGV[20]), tonumber(ARGV[21])
local agentWindow, maxHalted, blockFor = tonumber(ARGV[22]), tonumber(ARGV[23]), tonumber(ARGV[24])
local rateMax, rateWindow = tonumber(ARGV[25]), tonumber(ARGV[26])
local fp = ARGV[27]

local blocked = tonumber(redis.call('GET', base .. 'blocked') or '0')
if blocked > now then return cjson.encode({ refusal = 'agent_blocked' }) end

-- The identity's exchange rate, in fixed windows on the broker clock, shared by replicas.
if rateMax > 0 then
  local slot = math.floor(now / rateWindow)
  local rkey = base .. 'rate:' .. int(slot)
  local ends = (slot + 1) * rateWindow
  local n = redis.call('INCR', rkey)
  if n == 1 then redis.call('PEXPIRE', rkey, math.max(1, ends - now)) end
  if n > rateMax then
    return cjson.encode({ refusal = 'rate_limited',
      retry_after = math.max(1, math.ceil((ends - now) / 1000)) })
  end
end

local tkey, gkey, wkey = base .. 'task:' .. tid, base .. 'grants:' .. tid, base .. 'win:' .. tid
local t = loadTask(tid)
if t and t.status ~= 'active' then
  return cjson.encode({ refusal = 'task_not_active', status = t.status, rule = t.halt_rule })
end
if not t then
  -- gone or past its end: start afresh, dropping what an earlier task of this id left
  killTask(tid, 'revoked')
  redis.call('DEL', tkey, wkey)
  local expires = now + maxAge
  redis.call('HSET', tkey, 'agent', agent, 'status', 'active', 'purpose', purpose,
    'created', int(now), 'expires', int(expires), 'exchanges', '0')
  redis.call('PEXPIRE', tkey, maxAge)
  redis.call('ZADD', base .. 'tasks', expires, tid)
  redis.call('ZREMRANGEBYSCORE', base .. 'tasks', '-inf', int(now))
  redis.call('PEXPIRE', base .. 'tasks', maxAge)
  redis.call('SET', base .. 'agent', agent, 'PX', maxAge)
  t = { agent = agent, status = 'active', purpose = purpose, created = int(now),
    expires = int(expires), exchanges = '0' }
end
-- A grant never outlives its task: the task's end is where every token of it stops.
if expMs > tonumber(t.expires) then
  expS = math.floor(tonumber(t.expires) / 1000)
  expMs = expS * 1000
end
if expMs <= now then return cjson.encode({ refusal = 'task_expired' }) end
redis.call('ZREMRANGEBYSCORE', gkey, '-inf', int(now))

if loopsOn then
  -- The window holds '<fingerprint>:<jti>' by time; it never grows past max_exchanges, since
  -- one more halts the task, so counting identical intents by scanning it stays cheap.
  redis.call('ZREMRANGEBYSCORE', wkey, '-inf', int(now - windowMs))
  local members = redis.call('ZRANGE', wkey, 0, -1)
  local inWindow, identical, mark = #members + 1, 1, fp .. ':'
  for _, m in ipairs(members) do
    if string.sub(m, 1, #mark) == mark then identical = identical + 1 end
  end
  local grants = tonumber(t.exchanges) - tonumber(t.budget_base or '0') + 1
  local live = redis.call('ZCARD', gkey) + 1
  local age = now - tonumber(t.age_base or t.created)
  local rule, count, limit, window
  if inWindow > maxEx then
    rule, count, limit, window = 'max_exchanges', inWindow, maxEx, windowMs / 1000
  elseif identical > maxId then
    rule, count, limit, window = 'max_identical', identical, maxId, windowMs / 1000
  elseif grants > maxGrants then
    rule, count, limit = 'max_grants', grants, maxGrants
  elseif live > maxLive then
    rule, count, limit = 'max_live_grants', live, maxLive
  elseif age > loopAge then
    rule, count, limit = 'max_task_age', math.floor(age / 1000), loopAge / 1000
  end
  if rule then
    local n, _, live = killTask(tid, 'halted')
    redis.call('DEL', wkey)
    local reason = 'loop rule ' .. rule .. ': ' .. int(count) .. ' > ' .. int(limit)
    if window then reason = reason .. ' in ' .. int(window) .. 's' end
    redis.call('HSET', tkey, 'halt_rule', rule, 'halt_reason', reason, 'halt_at', int(now))
    -- One grant entry per revoked token, not a task entry: a task entry would also revoke the
    -- tokens the task gets after an operator resumes it, for as long as the entry lasts.
    for _, g in ipairs(live) do
      append(retention, { 'kind', 'grant', 'agent', agent, 'jti', g[1], 'at', int(now),
        'until', int(g[2] / 1000), 'reason', reason })
    end
    local hkey = base .. 'halts'
    redis.call('ZADD', hkey, now, tid .. '@' .. int(now))
    redis.call('ZREMRANGEBYSCORE', hkey, '-inf', int(now - agentWindow))
    redis.call('PEXPIRE', hkey, agentWindow)
    local halts = redis.call('ZCARD', hkey)
    local reply = { refusal = 'loop_tripped', rule = rule, count = count, limit = limit,
      window = window, revoked = n, halted_tasks = halts }
    if halts > maxHalted then
      local untilMs = now + blockFor
      redis.call('SET', base .. 'blocked', int(untilMs), 'PX', blockFor)
      local total, latest = killAgent(false)
      append(retention, { 'kind', 'agent', 'agent', agent, 'at', int(now),
        'until', int(untilSeconds(latest)), 'reason', 'blocked: ' .. halts ..
        ' tasks halted in ' .. int(agentWindow / 1000) .. 's' })
      reply.blocked_until = untilMs
      reply.revoked = n + total
    end
    return cjson.encode(reply)
  end
end

t.exchanges = redis.call('HINCRBY', tkey, 'exchanges', 1)
local grantKey = base .. 'grant:' .. jti
redis.call('HSET', grantKey, 'task', tid, 'res', ARGV[9], 'aud', ARGV[10], 'scope', ARGV[11],
  'tier', ARGV[12], 'targets', ARGV[13], 'iat', ARGV[14], 'exp', int(expS))
redis.call('PEXPIRE', grantKey, math.max(1, expMs - now))
redis.call('ZADD', gkey, expMs, jti)
redis.call('PEXPIRE', gkey, math.max(1, tonumber(t.expires) - now))
if loopsOn then
  redis.call('ZADD', wkey, now, fp .. ':' .. jti)
  redis.call('PEXPIRE', wkey, windowMs)
end
return cjson.encode({ ok = true, task = taskView(tid, t), exp = expS })
`);
