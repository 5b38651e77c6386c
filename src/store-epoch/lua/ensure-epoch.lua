-- Keeps the store's epoch key: the mark a broker writes so it can tell a Redis that lost its
-- data (restarted without persistence, flushed) from one that kept it. An epoch is
-- `<random id>@<ms>`: `ms` is the loss it follows, 0 for the first written at a start.
-- KEYS[1] `<prefix>:epoch`, KEYS[2] the revocation stream `<prefix>:revocations`; ARGV[1] one
-- JSON object {now, candidate, known?, ttl, retention, until}: `now` the broker's clock (epoch
-- ms), `candidate` the value to write, `known` the epoch this broker saw last (absent at its
-- start), `ttl` the key's TTL (ms, renewed by every check, as every key of the store has one),
-- `until` the feed entry's `until` (epoch s). Reply: {epoch, created, id?}.
-- The key only ever changes by going away, so a broker that knew an epoch and finds none, or
-- finds one a starting broker wrote meanwhile (`@0`, announcing nothing), knows the data was
-- lost: it writes a new epoch and appends an `epoch` entry in this one atomic step, so of
-- several brokers noticing at once exactly one publishes and the others adopt its epoch.
local args = cjson.decode(ARGV[1])
local current = redis.call('GET', KEYS[1])
if current and (not args.known or current == args.known or not string.find(current, '@0$')) then
  redis.call('PEXPIRE', KEYS[1], args.ttl)
  return cjson.encode({ epoch = current, created = false })
end
redis.call('SET', KEYS[1], args.candidate, 'PX', args.ttl)
if not args.known then return cjson.encode({ epoch = args.candidate, created = true }) end

local function int(n)
  return string.format('%d', n)
end
-- Stream ids follow the broker's clock and never go backwards, as the grant scripts append.
local now = args.now
local ms = now
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #last > 0 then
  local lastMs = tonumber(string.match(last[1][1], '^(%d+)-'))
  if lastMs > ms then ms = lastMs end
end
local oldest = math.max(0, now - args.retention)
local id = redis.call('XADD', KEYS[2], 'MINID', int(oldest), int(ms) .. '-*', 'kind', 'epoch',
  'agent', '*', 'at', int(now), 'until', int(args['until']), 'reason', 'the store lost its state')
redis.call('PEXPIRE', KEYS[2], args.retention)
return cjson.encode({ epoch = args.candidate, created = true, id = id })
