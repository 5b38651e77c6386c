-- A grant and its task's status. Arguments: {now, jti}; reply: {grant?, status?} (no status
-- when the task is gone).
local raw = redis.call('HGETALL', base .. 'grant:' .. args.jti)
if #raw == 0 then return cjson.encode({}) end
local g = toTable(raw)
if tonumber(g.exp) * 1000 <= now then return cjson.encode({}) end
local t = loadTask(g.task)
-- dead with its task, or issued in or before the second of an agent revocation (as verifiers
-- see it): as gone as a deleted grant
if t and (t.status ~= 'active' or tonumber(g.iat) <= markSecond()) then return cjson.encode({}) end
return cjson.encode({ grant = grantView(args.jti, g), status = t and t.status or nil })
