-- App login, load: the account's state for the decision, in one round trip.
-- KEYS[1] account
-- Returns {status, passcode hash, device key (JWK), device id, passcode failures,
--          locked until (unix s), level} ('' for what is absent).
local a = redis.call('HMGET', KEYS[1], 'status', 'pin', 'device_key', 'device_id', 'pin_fails',
                     'locked_until', 'level')
for i = 1, 7 do a[i] = a[i] or '' end
return a
