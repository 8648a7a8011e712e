-- Ends one SSO session (logout): the session and its entry in the account's set.
-- KEYS[1] session   KEYS[2] the account's session set
-- Returns {sid or ''}: the ended session's sid (for back-channel logout), '' if there was none.
local sid = redis.call('HGET', KEYS[1], 'sid') or ''
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], KEYS[1])
return {sid}
