-- Is a refresh token current (introspection), or: revoke its family (revocation, reuse).
-- KEYS[1] grant   KEYS[2] account   ARGV[1] client_id   ARGV[2] presented hash
-- ARGV[3] 'check' or 'revoke'
-- Returns 1 (current, active), 0 (not), or -1 (the grant belongs to another client).
local g = redis.call('HMGET', KEYS[1], 'client', 'revoked', 'rt', 'rt2')
if not g[1] then
  return 0
end
if g[1] ~= ARGV[1] then
  return -1
end
if ARGV[3] == 'revoke' then
  if g[3] == ARGV[2] or g[4] == ARGV[2] then
    redis.call('HSET', KEYS[1], 'revoked', 'client_revoked')
  end
  return 0
end
if g[2] or (g[3] ~= ARGV[2] and g[4] ~= ARGV[2]) then
  return 0
end
if redis.call('HGET', KEYS[2], 'status') ~= 'active' then
  return 0
end
return 1
