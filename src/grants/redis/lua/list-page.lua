-- One page of the agent's tasks (what = 'tasks') or live grants (what = 'grants'), newest task
-- first (by the task's end), a task's grants by expiry. Bounded work whatever the agent's
-- history: it visits at most `budget` tasks, then replies what it found with `next`, where the
-- next page starts. `after` is the `next` of the page before: {score, task, skip} (skip: grants
-- of that task already listed; 0: start after the task). One task only when `task` is set.
-- Arguments: ListPageArgs; reply: listPageReply (script-args.ts, script-replies.ts).
local what, limit = args.what, args.limit
local items = {}
local full = function() return #items >= limit end

-- Adds what of task `tid` the filters let through, from its `skip`-th grant; returns the
-- `next` to reply when the page filled up inside or at the end of this task.
local function visit(tid, score, skip)
  local t = loadTask(tid)
  if not t then return nil end
  if what == 'tasks' then
    if not args.status or t.status == args.status then table.insert(items, taskView(tid, t)) end
    if full() then return { score = score, task = tid, skip = 0 } end
    return nil
  end
  if t.status ~= 'active' then return nil end
  local jtis = {}
  for _, e in ipairs(taskGrants(tid, t)) do
    if e[2] > now then table.insert(jtis, e[1]) end
  end
  local cut = markSecond()
  for k = skip + 1, #jtis do
    local g = loadGrant(jtis[k])
    if g then
      if (not args.aud or g.aud == args.aud) and tonumber(g.iat) > cut then
        table.insert(items, grantView(jtis[k], g))
      end
    end
    if full() then
      if k < #jtis then return { score = score, task = tid, skip = k } end
      return { score = score, task = tid, skip = 0 }
    end
  end
  return nil
end

if args.task then
  local nextPage = visit(args.task, 0, args.after and args.after.skip or 0)
  if nextPage and nextPage.skip == 0 then nextPage = nil end
  return cjson.encode({ items = items, next = nextPage })
end

local key = base .. 'tasks'
local start, skip = 0, 0
if args.after then
  local rank = redis.call('ZREVRANK', key, args.after.task)
  local score = redis.call('ZSCORE', key, args.after.task)
  if rank and score and tonumber(score) == args.after.score then
    if args.after.skip > 0 then start, skip = rank, args.after.skip else start = rank + 1 end
  else
    -- the task is gone: start at the tasks that ended no later than it did
    start = redis.call('ZCOUNT', key, '(' .. int(args.after.score), '+inf')
  end
end

local visited = 0
while true do
  local batch = redis.call('ZREVRANGE', key, start, start + 31, 'WITHSCORES')
  if #batch == 0 then break end
  for j = 1, #batch, 2 do
    local tid, score = batch[j], tonumber(batch[j + 1])
    if score <= now then return cjson.encode({ items = items }) end
    local nextPage = visit(tid, score, skip)
    if nextPage then return cjson.encode({ items = items, next = nextPage }) end
    skip = 0
    visited = visited + 1
    if visited >= args.budget then
      return cjson.encode({ items = items, next = { score = score, task = tid, skip = 0 } })
    end
  end
  start = start + 32
end
return cjson.encode({ items = items })
