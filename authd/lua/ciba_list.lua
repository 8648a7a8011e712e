-- The requests waiting for the app's decision, oldest first; forgets the expired ones.
-- KEYS[1] the account's pending set   KEYS[2] the request-key prefix ("eid:{ID}:ciba:")
-- ARGV[1] now
-- Returns {rid, client, scope, acr_min, binding_message, created, exp, ...} (7 per request).
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
local out = {}
for _, rid in ipairs(redis.call('ZRANGE', KEYS[1], 0, 31)) do
  local h = redis.call('HMGET', KEYS[2] .. rid, 'client', 'scope', 'acr_min', 'binding_message',
                       'created', 'exp', 'status')
  if h[1] and h[7] == 'pending' then
    table.insert(out, rid)
    for i = 1, 6 do table.insert(out, h[i] or '') end
  else
    redis.call('ZREM', KEYS[1], rid)
  end
end
return out
