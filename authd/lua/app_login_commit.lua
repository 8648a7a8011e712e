-- App login, commit. The challenge is single use whatever the outcome; the passcode verdict
-- (computed off the loop) either opens a session and clears the failures, or counts a failure
-- and, at the limit, locks the account for a wait that doubles with each lock.
-- KEYS[1] account   KEYS[2] used-challenge marker   KEYS[3] the new session
-- KEYS[4] the set of the account's session keys (so they can all be ended at once)
-- ARGV[1] 'ok' | 'bad' (passcode verdict)   ARGV[2] now (unix s)   ARGV[3] challenge lifetime (s)
-- ARGV[4] failures allowed   ARGV[5] first lock (s)   ARGV[6] longest lock (s)
-- ARGV[7] session idle lifetime (s)   ARGV[8] device id the login was signed with
-- ARGV[9] session JSON   ARGV[10] live sessions kept per account (LIM_APP_SESSIONS)
-- Returns {'ok'} | {'replay'} | {'gone'} (account or device changed meanwhile)
--       | {'bad', failures left} | {'locked', seconds}
if redis.call('SET', KEYS[2], 1, 'NX', 'EX', tonumber(ARGV[3])) == false then
  return {'replay'}
end
local a = redis.call('HMGET', KEYS[1], 'status', 'device_id', 'pin_fails', 'locks', 'locked_until')
if a[1] ~= 'active' or a[2] ~= ARGV[8] then
  return {'gone'}
end
local now = tonumber(ARGV[2])
if tonumber(a[5] or '0') > now then
  return {'locked', tonumber(a[5]) - now}
end
if ARGV[1] == 'ok' then
  redis.call('HSET', KEYS[1], 'pin_fails', 0, 'last_app_login', now)
  redis.call('SET', KEYS[3], ARGV[9], 'EX', tonumber(ARGV[7]))
  -- Keep the set (and this loop, run on every login) small: forget sessions that expired by
  -- themselves, then, if it is still full, end others: the account has one device, whose app
  -- holds the newest session; unbounded, a device logging in all day made each commit slower.
  local max_sess = tonumber(ARGV[10])
  if redis.call('SCARD', KEYS[4]) >= max_sess then
    for _, k in ipairs(redis.call('SMEMBERS', KEYS[4])) do
      if redis.call('EXISTS', k) == 0 then redis.call('SREM', KEYS[4], k) end
    end
    while redis.call('SCARD', KEYS[4]) >= max_sess do
      redis.call('DEL', redis.call('SPOP', KEYS[4]))
    end
  end
  redis.call('SADD', KEYS[4], KEYS[3])
  return {'ok'}
end
local fails = tonumber(a[3] or '0') + 1
local max = tonumber(ARGV[4])
if fails >= max then
  local locks = tonumber(a[4] or '0') + 1
  local wait = math.min(tonumber(ARGV[5]) * 2 ^ (locks - 1), tonumber(ARGV[6]))
  redis.call('HSET', KEYS[1], 'pin_fails', 0, 'locks', locks, 'locked_until', now + wait)
  return {'locked', wait}
end
redis.call('HSET', KEYS[1], 'pin_fails', fails)
return {'bad', max - fails}
