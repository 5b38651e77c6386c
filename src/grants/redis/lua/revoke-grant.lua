-- Revokes one grant. Arguments: {now, retention, jti, agent, reason}; reply: revokeReply (script-replies.ts).
local jti = args.jti
local grantKey = base .. 'grant:' .. jti
local g = loadGrant(jti)
if not g then return cjson.encode({ revoked = 0 }) end
redis.call('DEL', grantKey)
redis.call('ZREM', base .. 'grants:' .. g.task, jti)
redis.call('ZREM', base .. 'agrants', jti)
if tonumber(g.exp) * 1000 <= now then return cjson.encode({ revoked = 0 }) end
-- already dead with its task (ended, halted, or its agent revoked)
local t = loadTask(g.task)
if not t or t.status ~= 'active' or tonumber(g.iat) <= markSecond() then
  return cjson.encode({ revoked = 0 })
end
local fields = { 'kind', 'grant', 'agent', args.agent, 'jti', jti,
  'at', int(now), 'until', int(g.exp), 'reason', args.reason }
if g.aud then table.insert(fields, 'aud'); table.insert(fields, g.aud) end
local id = append(args.retention, fields)
return cjson.encode({ revoked = 1, id = id, ['until'] = tonumber(g.exp), aud = g.aud })
