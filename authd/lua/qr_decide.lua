-- The app approves or denies a scanned QR login. An approval from an account below the level
-- the RP asked for is recorded as a denial: never silently lower.
-- KEYS[1] transaction   ARGV[1] ID number   ARGV[2] nonce signed   ARGV[3] 'approve' | 'deny'
-- ARGV[4] the account's level   ARGV[5] amr (JSON)   ARGV[6] now
-- Returns 'ok' | 'level' | 'gone' (not scanned by this account, or already decided) | 'nonce'.
local h = redis.call('HMGET', KEYS[1], 'status', 'id', 'nonce', 'acr_min')
if h[1] ~= 'scanned' or h[2] ~= ARGV[1] then
  return 'gone'
end
if h[3] ~= ARGV[2] then
  return 'nonce'
end
if ARGV[3] ~= 'approve' then
  redis.call('HSET', KEYS[1], 'status', 'denied')
  return 'ok'
end
if tonumber(ARGV[4]) < tonumber(h[4]) then
  redis.call('HSET', KEYS[1], 'status', 'denied')
  return 'level'
end
redis.call('HSET', KEYS[1], 'status', 'approved', 'acr', 'urn:eid:level:' .. ARGV[4],
           'amr', ARGV[5], 'auth_time', ARGV[6])
return 'ok'
