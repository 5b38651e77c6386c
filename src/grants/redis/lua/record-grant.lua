-- Records a grant in one atomic step: refuses a blocked agent, counts the agent's exchange rate,
-- refuses a task that is not active, refuses in the second of an agent revocation, creates a
-- new task within the agent's live-task bound, clamps the grant's expiry to the task's end
-- (refusing when nothing of it is left), applies the loop rules and, when one trips, halts the
-- task, revokes its grants, appends their revocations and, past the agent's halted-task limit,
-- blocks the agent and revokes the rest of what it holds. The order of these steps is the order
-- in which refusals win (GrantLedger.recordGrant); the memory store keeps the same.
-- Without `grant` it records an attempt (an approval request): the same steps, counted in the
-- rate and the loop window, and nothing granted.
-- The store's constants are `K`, written into this script's text when the store loads it
-- (RecordGrantConstants, store-scripts.ts); the call's arguments are RecordGrantArgs; reply:
-- RecordReply (script-args.ts, script-replies.ts).
-- Each Redis call counts (docs/operations.md, "Round trips per exchange"): every read is made
-- once, an index is pruned only when its oldest member is due, a TTL is set only when it must
-- grow, and the task's hash, which holds its grants and its loop window (loadTask, lib.lua), is
-- read once and written once.

local tid, agent, purpose, maxAge = args.task, args.agent, args.purpose, K.max_age_ms
local grant = args.grant
local jti = grant and grant.jti or args.attempt
local expS = grant and grant.exp or 0
local expMs = expS * 1000
local loops, rate, fp = K.loops, K.rate, args.fp

local held = redis.call('MGET', base .. 'blocked', base .. 'revoked_at', base .. 'cut_at')
if tonumber(held[1] or '0') > now then return cjson.encode({ refusal = 'agent_blocked' }) end
setMarks(held[2], held[3])

-- The identity's exchange rate, in fixed windows on the broker clock, shared by replicas.
if rate then
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

local tkey = base .. 'task:' .. tid
local t, stale = loadTask(tid)
if t and t.status ~= 'active' then
  return cjson.encode({ refusal = 'task_not_active', status = t.status, rule = t.halt_rule })
end
-- A token minted in the second of an agent revocation would be refused by verifiers (they
-- compare `iat` seconds with the revocation's second), so none is minted then.
if math.floor(now / 1000) <= markSecond() then
  return cjson.encode({ refusal = 'agent_revoked_now', retry_after = 1 })
end

-- What changes in the task's hash, written by flush() in one HDEL and one HSET.
local put, drop, created = {}, {}, false
local function set(field, value) table.insert(put, field); table.insert(put, value) end
local function flush()
  if #drop > 0 then inChunks('HDEL', tkey, drop) end
  if #put > 0 then inChunks('HSET', tkey, put) end
  if created then redis.call('PEXPIRE', tkey, maxAge) end
  put, drop, created = {}, {}, false
end

local live = base .. 'live'
local agrants = base .. 'agrants'
local liveGrants = 0 -- the task's live grants before this one
local newTask = not t
if newTask then
  if K.max_live_tasks then
    local n = redis.call('ZCOUNT', live, '(' .. int(now), '+inf')
    if n >= K.max_live_tasks then
      local first = redis.call('ZRANGE', live, '(' .. int(now), '+inf', 'BYSCORE', 'LIMIT', 0, 1,
        'WITHSCORES')
      return cjson.encode({ refusal = 'too_many_tasks', limit = K.max_live_tasks,
        retry_after = math.max(1, math.ceil((tonumber(first[2]) - now) / 1000)) })
    end
  end
  -- past its end: start afresh, dropping what the earlier task of this id left
  if stale then
    killGrants(tid, stale)
    redis.call('DEL', tkey, base .. 'win:' .. tid)
  end
  local expires = now + maxAge
  -- `since` (when the task last became active) is `created` until a resume sets it; the agent
  -- is the one of the task's keys, so the task leaves it out
  t = { status = 'active', purpose = purpose, created = int(now),
    expires = int(expires), exchanges = '0', ws = '0' }
  if args.parent then t.parent_agent, t.parent_task = args.parent.agent, args.parent.task end
  for f, v in pairs(t) do set(f, v) end
  created = true
  -- a new task ends last of the agent's: each index's TTL grows to its end
  for _, key in ipairs({ base .. 'tasks', live }) do
    pruneDue(key, 128)
    redis.call('ZADD', key, expires, tid)
    redis.call('PEXPIRE', key, maxAge)
  end
  redis.call('ZADD', agentsIndex, 'GT', expires, agent)
  pruneDue(agentsIndex, 128)
  redis.call('PEXPIRE', agentsIndex, maxAge)
else
  if not t.ws then
    -- written before tasks held their grants and window: move what is still live in with
    -- this write
    local gkey, wkey = base .. 'grants:' .. tid, base .. 'win:' .. tid
    for _, e in ipairs(taskGrants(tid, t)) do
      if e[2] > now then
        t['g:' .. e[1]] = int(e[2])
        set('g:' .. e[1], int(e[2]))
      end
    end
    local n = 0
    if loops then
      local old = redis.call('ZRANGEBYSCORE', wkey, '(' .. int(now - loops.windowMs), '+inf',
        'WITHSCORES')
      for i = 1, #old, 2 do
        n = n + 1
        local entry = int(tonumber(old[i + 1])) .. ' ' .. (string.match(old[i], '^(.-):') or '')
        t['w:' .. n] = entry
        set('w:' .. n, entry)
      end
    end
    t.ws = int(n)
    set('ws', t.ws)
    redis.call('DEL', gkey, wkey)
  end
end
-- One pass over the task's fields: expired grants leave its hash, live ones are counted; the
-- loop window's entries (`w:<n>` = '<ms> <fingerprint>'; it never grows past max_exchanges,
-- since one more halts the task) are counted, those out of the window leave.
local members, identical = 0, 1
local windowStart = loops and now - loops.windowMs
for f, v in pairs(t) do
  if isField(f, GRANT) then
    if tonumber(v) <= now then table.insert(drop, f) else liveGrants = liveGrants + 1 end
  elseif windowStart and isField(f, WINDOW) then
    local space = string.find(v, ' ', 1, true)
    if tonumber(string.sub(v, 1, space - 1)) > windowStart then
      members = members + 1
      if string.sub(v, space + 1) == fp then identical = identical + 1 end
    else
      table.insert(drop, f)
    end
  end
end
-- A grant never outlives its task: the task's end is where every token of it stops.
if grant then
  if expMs > tonumber(t.expires) then
    expS = math.floor(tonumber(t.expires) / 1000)
    expMs = expS * 1000
  end
  if expMs <= now then
    flush()
    return cjson.encode({ refusal = 'task_expired' })
  end
end

local seq = tonumber(t.ws)
if loops then
  local windowS = loops.windowMs / 1000
  local age = now - tonumber(t.age_base or t.created)
  -- each rule's count, limit, window (window rules) and whether it trips (when not count >
  -- limit), read in the order of LOOP_RULES: the first that trips is the one named
  local count = {
    delegation_cycle = args.cycle and 1 or 0,
    max_exchanges = members + 1,
    max_identical = identical,
    max_grants = tonumber(t.exchanges) - tonumber(t.budget_base or '0') + 1,
    max_live_grants = liveGrants + 1,
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
    local n, _, killed, fields = killGrants(tid, t)
    local reason = 'loop rule ' .. rule .. ': ' .. int(m.count) .. ' > ' .. int(m.limit)
    if m.window then reason = reason .. ' in ' .. int(m.window) .. 's' end
    -- the halted task keeps neither grants nor window: a resume starts it afresh
    put, drop = {}, fields
    for f, v in pairs(t) do
      if isField(f, WINDOW) then
        table.insert(drop, f)
      elseif newTask and not isField(f, GRANT) and f ~= 'status' then
        set(f, v)
      end
    end
    if not newTask then set('ws', t.ws) end
    set('status', 'halted'); set('halt_rule', rule); set('halt_reason', reason)
    set('halt_at', int(now))
    flush()
    -- One grant entry per revoked token, not a task entry: a task entry would also revoke the
    -- tokens the task gets after an operator resumes it, for as long as the entry lasts.
    for _, g in ipairs(killed) do
      local fields = { 'kind', 'grant', 'agent', agent, 'jti', g[1], 'at', int(now),
        'until', int(g[2] / 1000), 'reason', reason }
      if g[3] then table.insert(fields, 'aud'); table.insert(fields, g[3]) end
      append(K.retention, fields)
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
      append(K.retention, { 'kind', 'agent', 'agent', agent, 'at', int(now),
        'until', int(untilSeconds(latest)), 'reason', 'blocked: ' .. halts ..
        ' tasks halted in ' .. int(loops.agentWindowMs / 1000) .. 's' })
      reply.blocked_until = untilMs
      reply.revoked = n + total
    end
    return cjson.encode(reply)
  end
  seq = seq + 1
  set('w:' .. seq, int(now) .. ' ' .. fp)
  set('ws', int(seq))
end

if not grant then
  -- an attempt: counted in the loop window, nothing granted; a new task's end still bounds
  -- the agent's live-grant index (see below)
  flush()
  if newTask then redis.call('PEXPIRE', agrants, maxAge) end
  return cjson.encode({ ok = true, task = taskView(tid, t, liveGrants), exp = 0 })
end
t.exchanges = tonumber(t.exchanges) + 1
set('exchanges', int(t.exchanges))
set('g:' .. jti, int(expMs))
flush()
local record = { tid, grant.res, grant.aud, grant.scope, grant.tier, grant.targets, grant.iat,
  expS, grant.dlg }
redis.call('SET', base .. 'grant:' .. jti, cjson.encode(record), 'PX', math.max(1, expMs - now))
-- the agent's live grants by expiry: what an agent revocation counts and outlasts. Its TTL is
-- the longest a task may live from when it was last set, set when the index is new or a task
-- starts: then it outlasts the end of every task of the agent, so every grant in it.
local had = pruneDue(agrants, 128)
redis.call('ZADD', agrants, expMs, jti)
if newTask or not had then redis.call('PEXPIRE', agrants, maxAge) end
return cjson.encode({ ok = true, task = taskView(tid, t, liveGrants + 1), exp = expS })
