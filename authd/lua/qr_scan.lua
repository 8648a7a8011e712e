-- The app scanned a QR login: the transaction is bound to this account (nobody else may scan or
-- approve it afterwards) and gets a nonce the approval must sign.
-- KEYS[1] transaction   ARGV[1] ID number   ARGV[2] nonce
-- ARGV[3] the events channel   ARGV[4] this transaction's topic (the waiting browser wakes)
-- Returns {'ok', client, scope, acr_min, created, ip, exp} | 'gone' (unknown, expired, decided)
--       | 'taken' (scanned by another account).
local h = redis.call('HMGET', KEYS[1], 'status', 'id', 'client', 'scope', 'acr_min', 'created',
                     'ip', 'exp')
if not h[1] or (h[1] ~= 'pending' and h[1] ~= 'scanned') then
  return 'gone'
end
if h[2] and h[2] ~= ARGV[1] then
  return 'taken'
end
redis.call('HSET', KEYS[1], 'status', 'scanned', 'id', ARGV[1], 'nonce', ARGV[2])
if h[1] == 'pending' then
  redis.call('PUBLISH', ARGV[3], ARGV[4])
end
return {'ok', h[3], h[4], h[5], h[6], h[7], h[8]}
