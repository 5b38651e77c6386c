-- Revokes every task of the agent, and blocks it until `block_until` (epoch ms) when set. O(1)
-- in the agent's number of tasks: a mark, not a walk (markAgent in lib.lua).
-- Arguments: {now, retention, agent, reason, block_until?}; reply: revokeReply (script-replies.ts).
local total, latest = markAgent('revoked_at')
if args.block_until then
  redis.call('SET', base .. 'blocked', int(args.block_until), 'PX',
    math.max(1, args.block_until - now))
end
local untilS = untilSeconds(latest)
local id = append(args.retention, { 'kind', 'agent', 'agent', args.agent, 'at', int(now),
  'until', int(untilS), 'reason', args.reason })
return cjson.encode({ revoked = total, id = id, ['until'] = untilS })
