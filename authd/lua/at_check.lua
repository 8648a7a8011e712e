-- Is a citizen's access token still good? Its grant must exist unrevoked, its account active,
-- and the token itself not revoked.
-- KEYS[1] revoked-token marker   KEYS[2] grant   KEYS[3] account
-- Returns 1 (active) or 0.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local g = redis.call('HMGET', KEYS[2], 'client', 'revoked')
if not g[1] or g[2] then
  return 0
end
if redis.call('HGET', KEYS[3], 'status') ~= 'active' then
  return 0
end
return 1
