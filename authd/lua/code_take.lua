-- Authorization code redemption, first half: take the code (single use).
-- KEYS[1] code
-- Returns false (unknown or expired), {'replay', gid or ''} (seen before: the caller revokes
-- the grant it produced, RFC 6749 §4.1.2, RFC 9700 §4.4.1.1), or {'ok', field, value, ...}.
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then
  return false
end
if redis.call('HGET', KEYS[1], 'used') then
  return {'replay', redis.call('HGET', KEYS[1], 'gid') or ''}
end
redis.call('HSET', KEYS[1], 'used', '1')
table.insert(h, 1, 'ok')
return h
