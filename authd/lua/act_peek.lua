-- Activation complete, load: the activation's state and id hash, and the registry date of birth.
-- KEYS[1] activation   KEYS[2] registry record
-- Returns {state or '', aid hash or '', dob or ''}.
local a = redis.call('HMGET', KEYS[1], 'state', 'aid')
return {a[1] or '', a[2] or '', redis.call('HGET', KEYS[2], 'dob') or ''}
