-- A wrong password (new device; later the web login): counts toward the same lockout as wrong
-- passcodes, with the same doubling wait.
-- KEYS[1] account   ARGV[1] now   ARGV[2] failures allowed   ARGV[3] first lock (s)
-- ARGV[4] longest lock (s)
-- Returns {'bad', failures left} | {'locked', seconds} | {'while_locked', seconds} (already
-- locked: not counted, so a flood of parallel attempts cannot stretch the lock).
local a = redis.call('HMGET', KEYS[1], 'pwd_fails', 'locks', 'locked_until')
local until_ = tonumber(a[3] or '0')
if until_ > tonumber(ARGV[1]) then
  return {'while_locked', until_ - tonumber(ARGV[1])}
end
local fails = tonumber(a[1] or '0') + 1
local max = tonumber(ARGV[2])
if fails >= max then
  local locks = tonumber(a[2] or '0') + 1
  local wait = math.min(tonumber(ARGV[3]) * 2 ^ (locks - 1), tonumber(ARGV[4]))
  redis.call('HSET', KEYS[1], 'pwd_fails', 0, 'locks', locks,
             'locked_until', tonumber(ARGV[1]) + wait)
  return {'locked', wait}
end
redis.call('HSET', KEYS[1], 'pwd_fails', fails)
return {'bad', max - fails}
