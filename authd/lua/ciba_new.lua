-- CIBA (poll mode), a new authentication request for an account's app to decide.
-- KEYS[1] account   KEYS[2] request   KEYS[3] the account's pending set
-- ARGV[1] lifetime (s)   ARGV[2] rid   ARGV[3..] field, value, ...
-- Returns 'ok', or 'unknown' (no such account, not active, or locked: CIBA's unknown_user_id).
if redis.call('HGET', KEYS[1], 'status') ~= 'active' then
  return 'unknown'
end
local locked = tonumber(redis.call('HGET', KEYS[1], 'admin_lock_until') or '0')
if locked > tonumber(redis.call('TIME')[1]) then
  return 'unknown'
end
redis.call('HSET', KEYS[2], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[1]))
redis.call('ZADD', KEYS[3], redis.call('HGET', KEYS[2], 'exp'), ARGV[2])
return 'ok'
