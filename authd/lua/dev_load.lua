-- New device, start: what the password check needs, in one round trip.
-- KEYS[1] account   KEYS[2] registry record
-- Returns {status, password hash, locked until, phone on file} ('' for what is absent).
local a = redis.call('HMGET', KEYS[1], 'status', 'pwd', 'locked_until')
return {a[1] or '', a[2] or '', a[3] or '', redis.call('HGET', KEYS[2], 'phone') or ''}
