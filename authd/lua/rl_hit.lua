-- Counts one event against a fixed-window rate limit and says whether the limit is exceeded.
-- KEYS[1] counter   ARGV[1] limit   ARGV[2] window (s)
-- Returns {count, ttl}: the caller refuses when count > limit.
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
end
return {n, redis.call('TTL', KEYS[1])}
