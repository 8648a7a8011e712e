-- Activation complete, commit: creates the whole account in one step, or nothing.
-- KEYS[1] activation   KEYS[2] account   KEYS[3] level history
-- ARGV[1] SHA-256 of the activation id   ARGV[2] password hash   ARGV[3] passcode hash
-- ARGV[4] sealed TOTP seed   ARGV[5] device id   ARGV[6] device public key (JWK)
-- ARGV[7] device name   ARGV[8] selfie attestation hash   ARGV[9] now (unix s)
-- ARGV[10] level-history entry (JSON)
-- Returns 'ok' | 'unknown' (no such activation, expired, or another one) | 'not_verified'
-- | 'exists' (an account appeared meanwhile). Only 'ok' writes anything.
local a = redis.call('HMGET', KEYS[1], 'aid', 'state')
if not a[1] or a[1] ~= ARGV[1] then
  return 'unknown'
end
if a[2] ~= 'verified' then
  return 'not_verified'
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 'exists'
end
redis.call('HSET', KEYS[2],
  'status', 'active', 'level', 1, 'created', ARGV[9],
  'pwd', ARGV[2], 'pin', ARGV[3], 'totp', ARGV[4],
  'device_id', ARGV[5], 'device_key', ARGV[6], 'device_name', ARGV[7], 'device_bound', ARGV[9],
  'selfie', ARGV[8], 'pin_fails', 0, 'pwd_fails', 0)
redis.call('RPUSH', KEYS[3], ARGV[10])
redis.call('DEL', KEYS[1])
return 'ok'
