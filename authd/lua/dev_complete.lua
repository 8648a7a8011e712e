-- New device, commit: the new device key replaces the old one, whose sessions all end; the new
-- device gets a new TOTP seed (the old one stays on the retired phone).
-- KEYS[1] the new-device operation   KEYS[2] account   KEYS[3] session set
-- ARGV[1] SHA-256 of the operation id   ARGV[2] device id   ARGV[3] device key (JWK)
-- ARGV[4] device name   ARGV[5] now (unix s)   ARGV[6] sealed TOTP seed
-- Returns {'ok', level} | {'unknown'} | {'not_verified'} | {'no_account'} | {'revoked'}.
local a = redis.call('HMGET', KEYS[1], 'aid', 'state')
if not a[1] or a[1] ~= ARGV[1] then
  return {'unknown'}
end
if a[2] ~= 'verified' then
  return {'not_verified'}
end
local st = redis.call('HGET', KEYS[2], 'status')
if not st then
  return {'no_account'}
end
if st == 'revoked' then
  return {'revoked'}
end
redis.call('HSET', KEYS[2], 'device_id', ARGV[2], 'device_key', ARGV[3], 'device_name', ARGV[4],
  'device_bound', ARGV[5], 'totp', ARGV[6])
for _, k in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  redis.call('DEL', k)
end
redis.call('DEL', KEYS[3], KEYS[1])
return {'ok', tonumber(redis.call('HGET', KEYS[2], 'level') or '1')}
