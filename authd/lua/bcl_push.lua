-- Queues back-channel logout deliveries (bcl.c): a sorted set scored by when each is due (ms).
-- Bounded: past ARGV[1] queued, new ones are dropped (and counted) rather than letting an RP
-- that is down for days grow Redis without limit.
-- KEYS[1] the queue   ARGV[1] capacity   ARGV[2] now (ms)   ARGV[3..] jobs (JSON, unique by jti)
-- Returns {queued, dropped}.
local room = tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1])
local queued, dropped = 0, 0
for i = 3, #ARGV do
  if room > 0 then
    queued = queued + redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[i])
    room = room - 1
  else
    dropped = dropped + 1
  end
end
return {queued, dropped}
