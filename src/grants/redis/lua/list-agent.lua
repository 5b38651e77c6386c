-- Every unexpired task of the agent with its live grants (one task when `task` is set).
-- Arguments: {now, task?}; reply: {tasks: [{task, grants: [grant]}]}.
local tids
if args.task then
  tids = { args.task }
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
      if #raw > 0 then table.insert(grants, grantView(jti, toTable(raw))) end
    end
    table.insert(out, { task = taskView(tid, t), grants = grants })
  end
end
return cjson.encode({ tasks = out })
