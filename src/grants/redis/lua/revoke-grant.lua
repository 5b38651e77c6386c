-- Revokes one grant. Arguments: {now, retention, jti, agent, reason}; reply: revokeReply (script-replies.ts).
local jti = args.jti
local grantKey = base .. 'grant:' .. jti
local g = loadGrant(jti)
if not g then return cjson.encode({ revoked = 0 }) end
local t, stale = loadTask(g.task)
redis.call('DEL', grantKey)
if (t or stale or {}).ws then
  redis.call('HDEL', base .. 'task:' .. g.task, 'g:' .. jti)
else
  redis.call('ZREM', base .. 'grants:' .. g.task, jti)
end
redis.call('ZREM', base .. 'agrants', jti)
if tonumber(g.exp) * 1000 <= now then return cjson.encode({ revoked = 0 }) end
-- already dead with its task (ended, halted, or its agent revoked), or outlived an earlier task
-- of its id (a task that lists its grants and not this one)
if not t or t.status ~= 'active' or tonumber(g.iat) <= markSecond()
    or (t.ws and not t['g:' .. jti]) then
  return cjson.encode({ revoked = 0 })
end
local fields = { 'kind', 'grant', 'agent', args.agent, 'jti', jti,
  'at', int(now), 'until', int(g.exp), 'reason', args.reason }
if g.aud then table.insert(fields, 'aud'); table.insert(fields, g.aud) end
local id = append(args.retention, fields)
return cjson.encode({ revoked = 1, id = id, ['until'] = tonumber(g.exp), aud = g.aud })
