-- Ends a task (completed or revoked) and kills its grants. Arguments: {now, retention, task,
-- status, agent, reason}; reply: revokeReply (script-replies.ts), `missing` when the task does not exist.
local tid = args.task
local t = loadTask(tid)
if not t then return cjson.encode({ revoked = 0, missing = true }) end
local n, maxExp = killTask(tid, t, args.status)
-- only an active task has live grants (a revoked agent's were counted when it was revoked)
if t.status ~= 'active' then n, maxExp = 0, 0 end
local untilS = untilSeconds(maxExp)
local id = append(args.retention, { 'kind', 'task', 'agent', args.agent, 'task', tid,
  'at', int(now), 'until', int(untilS), 'reason', args.reason })
return cjson.encode({ revoked = n, id = id, ['until'] = untilS })
