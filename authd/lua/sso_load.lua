-- An SSO session and what /authorize decides with, in one round trip; slides the idle expiry.
-- KEYS[1] session   KEYS[2] account   KEYS[3] consents   ARGV[1] idle lifetime (s)
-- ARGV[2] client_id
-- Returns false when there is no such session or the account is no longer active (the session
-- is then deleted), else {auth_time, acr, amr (JSON), sid, consented scopes ('' if none)}.
local s = redis.call('HMGET', KEYS[1], 'auth_time', 'acr', 'amr', 'sid')
if not s[1] then
  return false
end
if redis.call('HGET', KEYS[2], 'status') ~= 'active' then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
s[5] = redis.call('HGET', KEYS[3], ARGV[2]) or ''
return s
