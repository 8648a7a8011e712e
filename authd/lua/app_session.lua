-- An app session, by its key: returns its JSON and slides its expiry, or false when there is no
-- such session or the account is no longer active (revoked, locked by an officer later).
-- KEYS[1] session   KEYS[2] account   ARGV[1] idle lifetime (s)
local s = redis.call('GET', KEYS[1])
if not s then
  return false
end
if redis.call('HGET', KEYS[2], 'status') ~= 'active' then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return {s, redis.call('HGET', KEYS[2], 'level'), redis.call('HGET', KEYS[2], 'device_id')}
