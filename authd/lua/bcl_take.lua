-- A worker takes up to ARGV[3] due deliveries: each is pushed ARGV[2] ms into the future (a
-- lease), so no other worker takes it meanwhile, and it comes back by itself if this worker
-- dies before settling it (at-least-once: RPs deduplicate by jti).
-- KEYS[1] the queue   ARGV[1] now (ms)   ARGV[2] lease (ms)   ARGV[3] at most
-- Returns the jobs taken.
local jobs = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local t = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, j in ipairs(jobs) do
  redis.call('ZADD', KEYS[1], 'XX', t, j)
end
return jobs
