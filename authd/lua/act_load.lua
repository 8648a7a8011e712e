-- Activation start: everything the decision needs, in one round trip.
-- KEYS[1] registry record   KEYS[2] account   KEYS[3] mismatch counter of this ID number
-- Returns {mismatches so far, account status ('' when none), registry fields (flat HGETALL)}.
local n = tonumber(redis.call('GET', KEYS[3]) or '0')
local st = redis.call('HGET', KEYS[2], 'status') or ''
return {n, st, redis.call('HGETALL', KEYS[1])}
