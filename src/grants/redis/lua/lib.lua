-- Shared by every script of the Redis grant store; the loader puts it in front of each script
-- (after the loop rules' order, generated from LOOP_RULES in loop-rules.ts). Conventions:
-- KEYS[1] is the agent's key base `<prefix>:{<agent-hash>}:` (every key a script touches under
-- it shares one hash slot), KEYS[2] the revocation stream, KEYS[3] the index of agents with
-- unexpired tasks (by their latest task end), ARGV[1] the script's arguments as
-- one JSON object (typed in script-args.ts), always with `now`, the broker's clock in epoch ms.
-- Time always comes from there, never from Redis TIME, so tests can move it; logical ends (task
-- `expires`, grant `exp`, block `until`) are checked against it and key TTLs are computed from
-- it. Every script replies one JSON object (checked by script-replies.ts).
-- JSON pitfalls: a JSON null decodes as cjson.null (truthy), so the TypeScript side omits
-- absent members instead; an empty Lua table encodes as {} (never []); numbers keep 14
-- significant digits, plenty for epoch ms.

local base = KEYS[1]
local stream = KEYS[2]
local agentsIndex = KEYS[3]
local args = cjson.decode(ARGV[1])
local now = args.now

local function int(n)
  return string.format('%d', n)
end

local function toTable(raw)
  local t = {}
  for i = 1, #raw, 2 do t[raw[i]] = raw[i + 1] end
  return t
end

-- Removes the members of a sorted set scored at or below `now`, at most `max` of them, so no
-- call of a script grows with an agent's history; what is left goes on the next call. Reads only
-- the oldest member unless it is due, which is almost always. Returns whether the key existed.
local function pruneDue(key, max)
  local first = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if #first == 0 then return false end
  if tonumber(first[2]) <= now then
    local n = redis.call('ZCOUNT', key, '-inf', int(now))
    redis.call('ZREMRANGEBYRANK', key, 0, math.min(n, max) - 1)
  end
  return true
end

-- Runs `cmd` [key] on the items of `list`, at most 1000 a call (unpack's stack is bounded).
local function inChunks(cmd, key, list)
  for i = 1, #list, 1000 do
    local part = { unpack(list, i, math.min(i + 999, #list)) }
    if key then redis.call(cmd, key, unpack(part)) else redis.call(cmd, unpack(part)) end
  end
end

-- The agent's revocation marks, epoch ms, read once per script: `all` (an operator revoked or
-- blocked the agent: every task that was active or halted then is revoked), `active` (a loop
-- trip blocked it: every task that was active then is revoked; halted ones keep their halt).
-- A mark revokes in O(1) whatever the agent's history; tasks read it when they are loaded.
local marks
local function setMarks(all, active)
  marks = { all = tonumber(all or '0'), active = tonumber(active or '0') }
end
local function agentMarks()
  if not marks then
    local m = redis.call('MGET', base .. 'revoked_at', base .. 'cut_at')
    setMarks(m[1], m[2])
  end
  return marks
end

-- The second of the latest mark: a grant issued in it or before is revoked, as verifiers
-- compare a token's `iat` (seconds) with an agent entry's `at`.
local function markSecond()
  local m = agentMarks()
  return math.floor(math.max(m.all, m.active) / 1000)
end

-- The task as a table, or nil when absent or past its logical end (then its table comes
-- second, for the caller to clear). Its status is as the marks make it: a task active or
-- halted since before a mark is revoked.
-- A task's hash also holds its grants, `g:<jti>` = expiry (ms), and its loop window, `w:<n>` =
-- '<ms> <fingerprint>' (record-grant.lua), with `ws` the window's last n. A task written before
-- (no `ws`) keeps them in the sorted sets `grants:<task>` and `win:<task>`; record-grant.lua
-- moves them into the hash the first time it records on the task.
local function loadTask(tid)
  local raw = redis.call('HGETALL', base .. 'task:' .. tid)
  if #raw == 0 then return nil end
  local t = toTable(raw)
  if tonumber(t.expires) <= now then return nil, t end
  if t.status == 'active' or t.status == 'halted' then
    local since, m = tonumber(t.since or t.created), agentMarks()
    if since <= m.all or (t.status == 'active' and since <= m.active) then
      t.status, t.halt_rule, t.halt_reason, t.halt_at = 'revoked', nil, nil, nil
    end
  end
  return t
end

-- Whether hash field `f` is one of a task's `g:` (kind 103, 'g') or `w:` (119, 'w') fields,
-- read without making a new string.
local function isField(f, kind)
  local a, b = string.byte(f, 1, 2)
  return a == kind and b == 58
end
local GRANT, WINDOW = 103, 119

-- Whether string a sorts before b byte by byte, as Redis orders members of equal score (Lua's
-- `<` follows the server's locale).
local function bytesBefore(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- The task's grants as {jti, expiry ms}, by expiry then jti, expired ones included.
local function taskGrants(tid, t)
  local list = {}
  if t.ws then
    for f, v in pairs(t) do
      if isField(f, GRANT) then table.insert(list, { string.sub(f, 3), tonumber(v) }) end
    end
    table.sort(list, function(a, b)
      if a[2] ~= b[2] then return a[2] < b[2] end
      return bytesBefore(a[1], b[1])
    end)
  else
    local m = redis.call('ZRANGE', base .. 'grants:' .. tid, 0, -1, 'WITHSCORES')
    for i = 1, #m, 2 do table.insert(list, { m[i], tonumber(m[i + 1]) }) end
  end
  return list
end

-- Live grants of an active task (a task of any other status has none), counted without
-- listing them in order.
local function liveCount(tid, t)
  if t.status ~= 'active' then return 0 end
  if not t.ws then return redis.call('ZCOUNT', base .. 'grants:' .. tid, '(' .. int(now), '+inf') end
  local n = 0
  for f, v in pairs(t) do
    if isField(f, GRANT) and tonumber(v) > now then n = n + 1 end
  end
  return n
end

-- The task as the scripts reply it (TaskReply in script-replies.ts), without its agent (the
-- store knows whose keys it ran on); `live` when the caller already knows it. The hash field
-- `exchanges` counts recorded grants; it keeps its name so tasks survive an upgrade.
local function taskView(tid, t, live)
  local view = {
    task = tid, status = t.status, purpose = t.purpose,
    created = tonumber(t.created), expires = tonumber(t.expires),
    grants_recorded = tonumber(t.exchanges), live = live or liveCount(tid, t)
  }
  if t.halt_rule then
    view.halt = { rule = t.halt_rule, reason = t.halt_reason, at = tonumber(t.halt_at) }
  end
  if t.parent_task then view.parent = { agent = t.parent_agent, task = t.parent_task } end
  return view
end

-- A grant's record is one string, `grant:<jti>` = the JSON array of these fields in this order
-- (written by record-grant.lua): one key, one SET with its TTL, no field names stored.
local GRANT_FIELDS = { 'task', 'res', 'aud', 'scope', 'tier', 'targets', 'iat', 'exp', 'dlg' }

-- The grant `jti` as a table of GRANT_FIELDS, or nil when it is gone. A grant written before
-- records were strings is a hash of those fields (GET fails on it): read it as it is.
local function loadGrant(jti)
  local key = base .. 'grant:' .. jti
  local v = redis.pcall('GET', key)
  if not v then return nil end
  if type(v) == 'table' then
    local raw = redis.call('HGETALL', key)
    if #raw == 0 then return nil end
    return toTable(raw)
  end
  local a, g = cjson.decode(v), {}
  for i, name in ipairs(GRANT_FIELDS) do g[name] = a[i] end
  return g
end

-- A grant as the scripts reply it (GrantReply in script-replies.ts).
local function grantView(jti, g)
  return {
    jti = jti, task = g.task, res = g.res, aud = g.aud, scope = g.scope, tier = g.tier,
    targets = g.targets, iat = tonumber(g.iat), exp = tonumber(g.exp), dlg = g.dlg
  }
end

-- Deletes every grant of task `t` and takes it off the live tasks; returns live grants killed,
-- the latest expiry among them (ms, 0 when none), their {jti, exp ms, aud} list by expiry then
-- jti, and the task's fields that named them, for the caller to delete from its hash.
local function killGrants(tid, t)
  local n, maxExp, live = 0, 0, {}
  local jtis, keys, fields = {}, { base .. 'grants:' .. tid }, {}
  for _, e in ipairs(taskGrants(tid, t)) do
    if e[2] > now then
      n = n + 1
      if e[2] > maxExp then maxExp = e[2] end
      local g = loadGrant(e[1])
      table.insert(live, { e[1], e[2], g and g.aud })
    end
    table.insert(jtis, e[1])
    table.insert(keys, base .. 'grant:' .. e[1])
    table.insert(fields, 'g:' .. e[1])
  end
  inChunks('DEL', nil, keys)
  inChunks('ZREM', base .. 'agrants', jtis)
  redis.call('ZREM', base .. 'live', tid)
  return n, maxExp, live, fields
end

-- killGrants, then sets the task's status (and clears a halt).
local function killTask(tid, t, status)
  local n, maxExp, live, fields = killGrants(tid, t)
  local tkey = base .. 'task:' .. tid
  redis.call('HSET', tkey, 'status', status)
  table.insert(fields, 'halt_rule'); table.insert(fields, 'halt_reason')
  table.insert(fields, 'halt_at')
  inChunks('HDEL', tkey, fields)
  return n, maxExp, live
end

-- Revokes everything the agent holds in O(1): sets the mark (`revoked_at`, or `cut_at` for
-- active tasks only) and drops the indexes of live grants and tasks (UNLINK frees them off the
-- main thread). Returns live grants revoked and the latest expiry among them (ms, 0 when none).
-- The mark lasts as long as the agent's newest task could, and never moves back.
local function markAgent(key)
  local agrants = base .. 'agrants'
  local revoked = redis.call('ZCOUNT', agrants, '(' .. int(now), '+inf')
  local latest = 0
  local top = redis.call('ZRANGE', agrants, -1, -1, 'WITHSCORES')
  if #top > 0 and tonumber(top[2]) > now then latest = tonumber(top[2]) end
  redis.call('UNLINK', agrants, base .. 'live')
  local at = math.max(now, tonumber(redis.call('GET', base .. key) or '0'))
  local ttl = math.max(redis.call('PTTL', base .. 'tasks'), 1000)
  redis.call('SET', base .. key, int(at), 'PX', ttl)
  marks = nil
  return revoked, latest
end

local function untilSeconds(maxExpMs)
  if maxExpMs > 0 then return math.ceil(maxExpMs / 1000) end
  return math.floor(now / 1000)
end

-- Appends a revocation to the stream. Ids follow the broker's clock and never go backwards
-- (another broker's clock may be ahead), so trimming by age works on the same time line.
local function append(retention, fields)
  local ms = now
  local last = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  if #last > 0 then
    local lastMs = tonumber(string.match(last[1][1], '^(%d+)-'))
    if lastMs > ms then ms = lastMs end
  end
  local oldest = now - retention
  if oldest < 0 then oldest = 0 end
  local id = redis.call('XADD', stream, 'MINID', int(oldest), int(ms) .. '-*', unpack(fields))
  redis.call('PEXPIRE', stream, retention)
  return id
end
