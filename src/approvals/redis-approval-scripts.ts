// The Lua scripts of the Redis approval store, each one atomic change or one bounded read.
// Key layout (redis-approval-store.ts):
//   <prefix>:approvals:<id>                 hash  data, state, expiresAt, agentKey, decidedBy, ...
//   <prefix>:approvals:~index               zset  every retained approval id by expiresAt
//   <prefix>:approvals:~state:<state>       zset  ids stored in that state, by expiresAt
//   <prefix>:approvals:~agent:<agent-hash>  zset  that agent's pending ids, by expiresAt
//   <prefix>:approvals:~ask:<fingerprint>   string the id last asked with that fingerprint
// Keys named inside a script (an existing approval's hash, the agent's zset a transition leaves)
// are read from stored values: approvals are not spread over a Redis cluster's slots.

/** Extends a key's TTL to at least `ms`, never shortening it. */
const KEEP = `
local function keep(key, ms)
  redis.call('PEXPIRE', key, ms, 'NX')
  redis.call('PEXPIRE', key, ms, 'GT')
end
`;

/**
 * KEYS: approval, ~index, ~state:pending, ~agent:<hash>, ~ask:<fingerprint>.
 * ARGV: now, max pending, id, data, expiresAt, key TTL ms, retention horizon, key prefix.
 * Replies {'pending', hash} for an identical approval still pending, {'limited', oldest expiresAt}
 * at the bound, else {'created'}.
 */
export const ASK = `${KEEP}
local now = tonumber(ARGV[1])
local same = redis.call('GET', KEYS[5])
if same then
  local key = ARGV[8] .. same
  local current = redis.call('HMGET', key, 'state', 'expiresAt')
  if current[1] == 'pending' and tonumber(current[2]) > now then
    return {'pending', redis.call('HGETALL', key)}
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[2]) then
  return {'limited', redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')[2]}
end
redis.call('HSET', KEYS[1], 'data', ARGV[4], 'state', 'pending', 'expiresAt', ARGV[5], 'agentKey', KEYS[4])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
for i = 2, 4 do
  redis.call('ZADD', KEYS[i], ARGV[5], ARGV[3])
  keep(KEYS[i], ARGV[6])
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[7])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[7])
redis.call('SET', KEYS[5], ARGV[3], 'PX', math.max(1, tonumber(ARGV[5]) - now))
return {'created'}
`;

/**
 * KEYS: approval, ~state:<from>, ~state:<to>. ARGV: from-state, now, retention horizon, id,
 * then field/value pairs to set. Moves the id between the state indexes and out of its agent's
 * pending set.
 */
export const TRANSITION = `${KEEP}
local current = redis.call('HMGET', KEYS[1], 'state', 'expiresAt', 'agentKey')
if not current[1] then return {'not_found'} end
local result = 'ok'
if current[1] ~= ARGV[1] then
  result = 'wrong_state'
elseif tonumber(ARGV[2]) >= tonumber(current[2]) then
  result = 'expired'
else
  redis.call('HSET', KEYS[1], unpack(ARGV, 5))
  redis.call('ZREM', KEYS[2], ARGV[4])
  if current[3] then redis.call('ZREM', current[3], ARGV[4]) end
  redis.call('ZADD', KEYS[3], current[2], ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[3])
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then keep(KEYS[3], ttl) end
end
return {result, redis.call('HGETALL', KEYS[1])}
`;

/**
 * KEYS: the indexes to page through (one, or two for expired). ARGV: min score (may be
 * exclusive, '(' prefix), max score, cursor expiresAt ('' for the first page), cursor id, limit,
 * key prefix. Reads at most limit + 1 ids per index past the cursor (plus any tied at the
 * cursor's score), merges them in (expiresAt, id) order, and replies
 * {more (0|1), {id, expiresAt, hash}, ...} for the first `limit` (hash empty when gone).
 */
export const PAGE = `
local limit = tonumber(ARGV[5])
local cursorScore = ARGV[3] ~= '' and tonumber(ARGV[3]) or nil
local found = {}
for _, key in ipairs(KEYS) do
  local taken, offset = 0, 0
  while taken <= limit do
    local batch = redis.call('ZRANGEBYSCORE', key, ARGV[1], ARGV[2], 'WITHSCORES', 'LIMIT', offset, limit + 1)
    if #batch == 0 then break end
    for i = 1, #batch, 2 do
      local id, score = batch[i], tonumber(batch[i + 1])
      if not cursorScore or score > cursorScore or id > ARGV[4] then
        found[#found + 1] = {score, id, batch[i + 1]}
        taken = taken + 1
      end
    end
    offset = offset + #batch / 2
  end
end
table.sort(found, function(a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  return a[2] < b[2]
end)
local reply = {#found > limit and 1 or 0}
for i = 1, math.min(limit, #found) do
  reply[#reply + 1] = {found[i][2], found[i][3], redis.call('HGETALL', ARGV[6] .. found[i][2])}
end
return reply
`;
