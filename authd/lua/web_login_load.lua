-- Web login, load: what the password + one-time-code decision needs, in one round trip.
-- KEYS[1] account   KEYS[2] registry record
-- Returns {status, password hash, sealed TOTP seed, last TOTP step, locked until, level,
--          phone on file} ('' for what is absent).
local a = redis.call('HMGET', KEYS[1], 'status', 'pwd', 'totp', 'totp_step', 'locked_until',
                     'level')
for i = 1, 6 do a[i] = a[i] or '' end
a[7] = redis.call('HGET', KEYS[2], 'phone') or ''
return a
