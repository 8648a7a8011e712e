-- The app approves or denies a CIBA request. An approval from an account below the requested
-- level is recorded as a denial (the RP gets access_denied): never silently lower.
-- KEYS[1] request   KEYS[2] account   KEYS[3] the account's pending set
-- ARGV[1] 'approve' | 'deny'   ARGV[2] now   ARGV[3] amr (JSON)   ARGV[4] rid
-- Returns 'ok', 'level' (denied for want of level), 'gone' (unknown, expired or decided).
local h = redis.call('HMGET', KEYS[1], 'status', 'exp', 'acr_min')
if h[1] ~= 'pending' or tonumber(h[2]) < tonumber(ARGV[2]) then
  return 'gone'
end
redis.call('ZREM', KEYS[3], ARGV[4])
if redis.call('HGET', KEYS[2], 'status') ~= 'active' then
  redis.call('HSET', KEYS[1], 'status', 'denied')
  return 'gone'
end
if ARGV[1] ~= 'approve' then
  redis.call('HSET', KEYS[1], 'status', 'denied')
  return 'ok'
end
local level = tonumber(redis.call('HGET', KEYS[2], 'level') or '1')
if level < tonumber(h[3]) then
  redis.call('HSET', KEYS[1], 'status', 'denied')
  return 'level'
end
redis.call('HSET', KEYS[1], 'status', 'approved', 'acr', 'urn:eid:level:' .. level,
           'amr', ARGV[3], 'auth_time', ARGV[2])
return 'ok'
