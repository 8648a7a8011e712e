-- Activation start, commit: one pending activation per ID number (a new start replaces it).
-- KEYS[1] activation   KEYS[2] account
-- ARGV[1] SHA-256 of the activation id   ARGV[2] MAC of the SMS code   ARGV[3] phone on file
-- ARGV[4] lifetime (s)   ARGV[5] now (unix s)
-- Returns 'ok', or 'exists' when an account appeared meanwhile (nothing written).
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 'exists'
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'aid', ARGV[1], 'code', ARGV[2], 'phone', ARGV[3],
           'state', 'sent', 'tries', 0, 'started', ARGV[5])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return 'ok'
