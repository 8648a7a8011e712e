-- The app approves or denies a scanned QR login. An approval from an account below the level
-- the RP asked for is recorded as a denial: never silently lower.
-- KEYS[1] transaction   ARGV[1] ID number   ARGV[2] nonce signed   ARGV[3] 'approve' | 'deny'
-- ARGV[4] the account's level   ARGV[5] amr (JSON)   ARGV[6] now
-- ARGV[7] the events channel   ARGV[8] this transaction's topic (the waiting browser wakes)
-- Returns 'ok' | 'level' | 'gone' (not scanned by this account, or already decided) | 'nonce'.
local h = redis.call('HMGET', KEYS[1], 'status', 'id', 'nonce', 'acr_min')
if h[1] ~= 'scanned' or h[2] ~= ARGV[1] then
  return 'gone'
end
if h[3] ~= ARGV[2] then
  return 'nonce'
end
local verdict = 'ok'
if ARGV[3] ~= 'approve' then
  redis.call('HSET', KEYS[1], 'status', 'denied')
elseif tonumber(ARGV[4]) < tonumber(h[4]) then
  redis.call('HSET', KEYS[1], 'status', 'denied')
  verdict = 'level'
else
  redis.call('HSET', KEYS[1], 'status', 'approved', 'acr', 'urn:eid:level:' .. ARGV[4],
             'amr', ARGV[5], 'auth_time', ARGV[6])
end
redis.call('PUBLISH', ARGV[7], ARGV[8])
return verdict
