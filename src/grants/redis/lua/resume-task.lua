-- Makes a halted task active, restarting its loop budgets. Arguments: {now, task}; reply:
-- {task?}.
local tid = args.task
local t = loadTask(tid)
if not t then return cjson.encode({}) end
if t.status == 'halted' then
  -- loop budgets start afresh from here, or the next exchange would trip again at once
  redis.call('HSET', base .. 'task:' .. tid, 'status', 'active', 'budget_base', t.exchanges,
    'age_base', int(now), 'since', int(now))
  redis.call('ZADD', base .. 'live', t.expires, tid)
  local ttl = math.max(1, tonumber(t.expires) - now)
  if redis.call('PTTL', base .. 'live') < ttl then redis.call('PEXPIRE', base .. 'live', ttl) end
  local drop = { 'halt_rule', 'halt_reason', 'halt_at' }
  for f in pairs(t) do
    if isField(f, WINDOW) then table.insert(drop, f) end
  end
  redis.call('HDEL', base .. 'task:' .. tid, unpack(drop))
  -- a task written before windows were fields of the task keeps its window here
  redis.call('DEL', base .. 'win:' .. tid)
  t.status, t.halt_rule, t.halt_reason, t.halt_at = 'active', nil, nil, nil
end
return cjson.encode({ task = taskView(tid, t) })
