-- Web login, success: clear the password failures, remember the TOTP step used (single use,
-- RFC 6238 §5.2: a later login with a step at or before it fails), open the SSO session.
-- KEYS[1] account   KEYS[2] session   KEYS[3] the account's session set
-- ARGV[1] TOTP step ('' for an SMS code)   ARGV[2] idle lifetime (s)   ARGV[3] auth_time
-- ARGV[4] acr   ARGV[5] amr (JSON)   ARGV[6] sid   ARGV[7] 'qr' when the app confirmed it (no
-- password was checked: its failures stay)
-- Returns 'ok', 'gone' (no longer active, or locked: a QR approval collected after an
-- administrator locked the account), or 'replay' (the TOTP step was used meanwhile).
if redis.call('HGET', KEYS[1], 'status') ~= 'active' then
  return 'gone'
end
local locked = tonumber(redis.call('HGET', KEYS[1], 'admin_lock_until') or '0')
if locked > tonumber(redis.call('TIME')[1]) then
  return 'gone'
end
if ARGV[1] ~= '' then
  local last = tonumber(redis.call('HGET', KEYS[1], 'totp_step') or '0')
  if tonumber(ARGV[1]) <= last then
    return 'replay'
  end
  redis.call('HSET', KEYS[1], 'totp_step', ARGV[1])
end
if ARGV[7] ~= 'qr' then
  redis.call('HSET', KEYS[1], 'pwd_fails', 0)
end
redis.call('HSET', KEYS[2], 'auth_time', ARGV[3], 'acr', ARGV[4], 'amr', ARGV[5], 'sid', ARGV[6])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
redis.call('SADD', KEYS[3], KEYS[2])
return 'ok'
