-- Level 2 by chip, load: the app session (slid), and the registry record to match DG1 against.
-- KEYS[1] app session   KEYS[2] account   KEYS[3] registry record   ARGV[1] idle lifetime (s)
-- Returns false (no session, or the account is not active), or
-- {level, registry name, dob, sex, document number} ('' for what is absent).
if not redis.call('GET', KEYS[1]) or redis.call('HGET', KEYS[2], 'status') ~= 'active' then
  return false
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
local r = redis.call('HMGET', KEYS[3], 'name', 'dob', 'sex', 'doc')
return {redis.call('HGET', KEYS[2], 'level') or '1', r[1] or '', r[2] or '', r[3] or '', r[4] or ''}
