-- Reads a rate-limit counter without counting: {count, ttl} (0, -2 when absent).
-- KEYS[1] counter
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
return {n, redis.call('TTL', KEYS[1])}
