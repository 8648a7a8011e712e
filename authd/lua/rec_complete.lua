-- Recovery, commit: new password, passcode, TOTP seed and device for an existing account, in
-- one step. Every session ends, failures and locks are cleared, and the level drops to 1 (an
-- SMS-only recovery does not carry chip-card assurance; the history records why).
-- KEYS[1] the recovery   KEYS[2] account   KEYS[3] level history   KEYS[4] session set
-- ARGV[1] SHA-256 of the recovery id   ARGV[2] password hash   ARGV[3] passcode hash
-- ARGV[4] sealed TOTP seed   ARGV[5] device id   ARGV[6] device key (JWK)   ARGV[7] device name
-- ARGV[8] now (unix s)   ARGV[9] level-history entry when the level drops (JSON)
-- Returns 'ok' | 'unknown' | 'not_verified' | 'no_account' | 'revoked'.
local a = redis.call('HMGET', KEYS[1], 'aid', 'state')
if not a[1] or a[1] ~= ARGV[1] then
  return 'unknown'
end
if a[2] ~= 'verified' then
  return 'not_verified'
end
local st = redis.call('HGET', KEYS[2], 'status')
if not st then
  return 'no_account'
end
if st == 'revoked' then
  return 'revoked'
end
if tonumber(redis.call('HGET', KEYS[2], 'level') or '1') > 1 then
  redis.call('RPUSH', KEYS[3], ARGV[9])
end
redis.call('HSET', KEYS[2], 'pwd', ARGV[2], 'pin', ARGV[3], 'totp', ARGV[4],
  'device_id', ARGV[5], 'device_key', ARGV[6], 'device_name', ARGV[7], 'device_bound', ARGV[8],
  'level', 1, 'pin_fails', 0, 'pwd_fails', 0, 'locks', 0, 'locked_until', 0, 'recovered', ARGV[8])
for _, k in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  redis.call('DEL', k)
end
redis.call('DEL', KEYS[4], KEYS[1])
return 'ok'
