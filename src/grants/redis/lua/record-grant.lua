-- Records a grant in one atomic step: refuses a blocked agent, counts the agent's exchange rate,
-- refuses a task that is not active, refuses in the second of an agent revocation, creates a
-- new task within the agent's live-task bound, clamps the grant's expiry to the task's end
-- (refusing when nothing of it is left), applies the loop rules and, when one trips, halts the
-- task, revokes its grants, appends their revocations and, past the agent's halted-task limit,
-- blocks the agent and revokes the rest of what it holds. The order of these steps is the order
-- in which refusals win (GrantLedger.recordGrant); the memory store keeps the same.
-- Without `grant` it records an attempt (an approval request): the same steps, counted in the
-- rate and the loop window, and nothing granted.
-- Arguments: RecordGrantArgs; reply: RecordReply (script-args.ts, script-replies.ts).

local retention = args.retention
local tid, agent, purpose, maxAge = args.task, args.agent, args.purpose, args.max_age_ms
local grant = args.grant
local jti = grant and grant.jti or args.attempt
local expS = grant and grant.exp or 0
local expMs = expS * 1000
local loops, rate, fp = args.loops, args.rate, args.fp

local blocked = tonumber(redis.call('GET', base .. 'blocked') or '0')
if blocked > now then return cjson.encode({ refusal = 'agent_blocked' }) end

-- The identity's exchange rate, in fixed windows on the broker clock, shared by replicas.
if rate and rate.max > 0 then
  local slot = math.floor(now / rate.windowMs)
  local rkey = base .. 'rate:' .. int(slot)
  local ends = (slot + 1) * rate.windowMs
  local n = redis.call('INCR', rkey)
  if n == 1 then redis.call('PEXPIRE', rkey, math.max(1, ends - now)) end
  if n > rate.max then
    return cjson.encode({ refusal = 'rate_limited',
      retry_after = math.max(1, math.ceil((ends - now) / 1000)) })
  end
end

local tkey, gkey, wkey = base .. 'task:' .. tid, base .. 'grants:' .. tid, base .. 'win:' .. tid
local t = loadTask(tid)
if t and t.status ~= 'active' then
  return cjson.encode({ refusal = 'task_not_active', status = t.status, rule = t.halt_rule })
end
-- A token minted in the second of an agent revocation would be refused by verifiers (they
-- compare `iat` seconds with the revocation's second), so none is minted then.
if math.floor(now / 1000) <= markSecond() then
  return cjson.encode({ refusal = 'agent_revoked_now', retry_after = 1 })
end
local live = base .. 'live'
if not t then
  if args.max_live_tasks then
    pruneUpTo(live, now, 128)
    local n = redis.call('ZCOUNT', live, '(' .. int(now), '+inf')
    if n >= args.max_live_tasks then
      local first = redis.call('ZRANGE', live, '(' .. int(now), '+inf', 'BYSCORE', 'LIMIT', 0, 1,
        'WITHSCORES')
      return cjson.encode({ refusal = 'too_many_tasks', limit = args.max_live_tasks,
        retry_after = math.max(1, math.ceil((tonumber(first[2]) - now) / 1000)) })
    end
  end
  -- gone or past its end: start afresh, dropping what an earlier task of this id left
  killTask(tid, 'revoked')
  redis.call('DEL', tkey, wkey)
  local expires = now + maxAge
  redis.call('HSET', tkey, 'agent', agent, 'status', 'active', 'purpose', purpose,
    'created', int(now), 'since', int(now), 'expires', int(expires), 'exchanges', '0')
  if args.parent then
    redis.call('HSET', tkey, 'parent_agent', args.parent.agent, 'parent_task', args.parent.task)
  end
  redis.call('PEXPIRE', tkey, maxAge)
  for _, key in ipairs({ base .. 'tasks', live }) do
    redis.call('ZADD', key, expires, tid)
    pruneUpTo(key, now, 128)
    redis.call('PEXPIRE', key, maxAge)
  end
  redis.call('ZADD', agentsIndex, 'GT', expires, agent)
  pruneUpTo(agentsIndex, now, 128)
  redis.call('PEXPIRE', agentsIndex, maxAge)
  t = { agent = agent, status = 'active', purpose = purpose, created = int(now),
    since = int(now), expires = int(expires), exchanges = '0',
    parent_agent = args.parent and args.parent.agent, parent_task = args.parent and args.parent.task }
end
-- A grant never outlives its task: the task's end is where every token of it stops.
if grant then
  if expMs > tonumber(t.expires) then
    expS = math.floor(tonumber(t.expires) / 1000)
    expMs = expS * 1000
  end
  if expMs <= now then return cjson.encode({ refusal = 'task_expired' }) end
end
redis.call('ZREMRANGEBYSCORE', gkey, '-inf', int(now))

if loops then
  -- The window holds '<fingerprint>:<jti>' by time; it never grows past max_exchanges, since
  -- one more halts the task, so counting identical intents by scanning it stays cheap.
  redis.call('ZREMRANGEBYSCORE', wkey, '-inf', int(now - loops.windowMs))
  local members = redis.call('ZRANGE', wkey, 0, -1)
  local identical, mark = 1, fp .. ':'
  for _, m in ipairs(members) do
    if string.sub(m, 1, #mark) == mark then identical = identical + 1 end
  end
  local windowS = loops.windowMs / 1000
  local age = now - tonumber(t.age_base or t.created)
  -- each rule's count, limit, window (window rules) and whether it trips (when not count >
  -- limit), read in the order of LOOP_RULES: the first that trips is the one named
  local count = {
    delegation_cycle = args.cycle and 1 or 0,
    max_exchanges = #members + 1,
    max_identical = identical,
    max_grants = tonumber(t.exchanges) - tonumber(t.budget_base or '0') + 1,
    max_live_grants = redis.call('ZCARD', gkey) + 1,
    max_task_age = math.floor(age / 1000),
  }
  local limit = {
    delegation_cycle = 0,
    max_exchanges = loops.maxExchanges, max_identical = loops.maxIdentical,
    max_grants = loops.maxGrants, max_live_grants = loops.maxLiveGrants,
    max_task_age = math.floor(loops.maxTaskAgeMs / 1000),
  }
  local window = { max_exchanges = windowS, max_identical = windowS }
  local over = { max_task_age = age > loops.maxTaskAgeMs }
  local rule, m
  for _, name in ipairs(LOOP_RULES) do
    local trips = over[name]
    if trips == nil then trips = count[name] > limit[name] end
    if trips then
      rule = name
      m = { count = count[name], limit = limit[name], window = window[name] }
      break
    end
  end
  if rule then
    local n, _, killed = killTask(tid, 'halted')
    redis.call('DEL', wkey)
    local reason = 'loop rule ' .. rule .. ': ' .. int(m.count) .. ' > ' .. int(m.limit)
    if m.window then reason = reason .. ' in ' .. int(m.window) .. 's' end
    redis.call('HSET', tkey, 'halt_rule', rule, 'halt_reason', reason, 'halt_at', int(now))
    -- One grant entry per revoked token, not a task entry: a task entry would also revoke the
    -- tokens the task gets after an operator resumes it, for as long as the entry lasts.
    for _, g in ipairs(killed) do
      local fields = { 'kind', 'grant', 'agent', agent, 'jti', g[1], 'at', int(now),
        'until', int(g[2] / 1000), 'reason', reason }
      if g[3] then table.insert(fields, 'aud'); table.insert(fields, g[3]) end
      append(retention, fields)
    end
    local hkey = base .. 'halts'
    -- one member per halt (the refused exchange's jti makes it unique): two halts of one task
    -- at the same instant are two halts, as in the memory store
    redis.call('ZADD', hkey, now, tid .. '@' .. int(now) .. '@' .. jti)
    redis.call('ZREMRANGEBYSCORE', hkey, '-inf', int(now - loops.agentWindowMs))
    redis.call('PEXPIRE', hkey, loops.agentWindowMs)
    local halts = redis.call('ZCARD', hkey)
    local reply = { refusal = 'loop_tripped', rule = rule, count = m.count, limit = m.limit,
      window = m.window, revoked = n, halted_tasks = halts }
    if halts > loops.maxHaltedTasks then
      local untilMs = now + loops.blockForMs
      redis.call('SET', base .. 'blocked', int(untilMs), 'PX', loops.blockForMs)
      local total, latest = markAgent('cut_at')
      append(retention, { 'kind', 'agent', 'agent', agent, 'at', int(now),
        'until', int(untilSeconds(latest)), 'reason', 'blocked: ' .. halts ..
        ' tasks halted in ' .. int(loops.agentWindowMs / 1000) .. 's' })
      reply.blocked_until = untilMs
      reply.revoked = n + total
    end
    return cjson.encode(reply)
  end
end

if not grant then
  -- an attempt: counted in the loop window, nothing granted
  if loops then
    redis.call('ZADD', wkey, now, fp .. ':' .. jti)
    redis.call('PEXPIRE', wkey, loops.windowMs)
  end
  return cjson.encode({ ok = true, task = taskView(tid, t), exp = 0 })
end
t.exchanges = redis.call('HINCRBY', tkey, 'exchanges', 1)
local grantKey = base .. 'grant:' .. jti
redis.call('HSET', grantKey, 'task', tid, 'res', grant.res, 'aud', grant.aud,
  'scope', grant.scope, 'tier', grant.tier, 'targets', grant.targets, 'iat', int(grant.iat),
  'exp', int(expS))
if grant.dlg then redis.call('HSET', grantKey, 'dlg', grant.dlg) end
redis.call('PEXPIRE', grantKey, math.max(1, expMs - now))
redis.call('ZADD', gkey, expMs, jti)
redis.call('PEXPIRE', gkey, math.max(1, tonumber(t.expires) - now))
-- the agent's live grants by expiry: what an agent revocation counts and outlasts
local agrants = base .. 'agrants'
redis.call('ZADD', agrants, expMs, jti)
pruneUpTo(agrants, now, 128)
redis.call('PEXPIRE', agrants, maxAge)
if loops then
  redis.call('ZADD', wkey, now, fp .. ':' .. jti)
  redis.call('PEXPIRE', wkey, loops.windowMs)
end
return cjson.encode({ ok = true, task = taskView(tid, t), exp = expS })
