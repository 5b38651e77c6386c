-- A grant and its task's status. Arguments: {now, jti}; reply: {grant?, status?} (no status
-- when the task is gone).
local g = loadGrant(args.jti)
if not g then return cjson.encode({}) end
if tonumber(g.exp) * 1000 <= now then return cjson.encode({}) end
local t = loadTask(g.task)
-- a task that lists its grants and not this one: the grant outlived an earlier task of its id
if t and t.ws and not t['g:' .. args.jti] then return cjson.encode({}) end
-- dead with its task, or issued in or before the second of an agent revocation (as verifiers
-- see it): as gone as a deleted grant
if t and (t.status ~= 'active' or tonumber(g.iat) <= markSecond()) then return cjson.encode({}) end
return cjson.encode({ grant = grantView(args.jti, g), status = t and t.status or nil })
