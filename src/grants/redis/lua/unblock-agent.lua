-- Lifts a block. Arguments: {now}; reply: {was_blocked}.
local blocked = tonumber(redis.call('GET', base .. 'blocked') or '0')
redis.call('DEL', base .. 'blocked')
return cjson.encode({ was_blocked = blocked > now })
