-- A delivery is settled: delivered or given up (ARGV[2] == ''), or to be retried as ARGV[2]
-- (the job with its try count raised) at ARGV[3] (ms).
-- KEYS[1] the queue   ARGV[1] the job taken   ARGV[2] the retry job or ''   ARGV[3] due (ms)
-- Returns 1 if the job was still queued (not settled by another worker), else 0.
local had = redis.call('ZREM', KEYS[1], ARGV[1])
if had == 1 and ARGV[2] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
end
return had
