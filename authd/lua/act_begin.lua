-- SMS-confirmed operation, start (activation, recovery, new device): one pending operation of
-- a kind per ID number (a new start replaces it).
-- KEYS[1] the operation   KEYS[2] account
-- ARGV[1] SHA-256 of the operation id   ARGV[2] MAC of the SMS code   ARGV[3] phone on file
-- ARGV[4] lifetime (s)   ARGV[5] now (unix s)   ARGV[6] 'none' (activation: no account may
-- exist) or 'account' (recovery, new device: an account that is not revoked must exist)
-- Returns 'ok', 'exists' (activation: an account appeared meanwhile), 'no_account' or
-- 'revoked'; only 'ok' writes anything.
local st = redis.call('HGET', KEYS[2], 'status')
if ARGV[6] == 'none' and st then
  return 'exists'
end
if ARGV[6] == 'account' and not st then
  return 'no_account'
end
if ARGV[6] == 'account' and st == 'revoked' then
  return 'revoked'
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'aid', ARGV[1], 'code', ARGV[2], 'phone', ARGV[3],
           'state', 'sent', 'tries', 0, 'started', ARGV[5])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return 'ok'
