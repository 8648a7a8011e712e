-- Authorization code redemption, second half: the grant its tokens belong to. The grant lives
-- as long as its refresh-token family may; the code records its gid so a replay can revoke it.
-- KEYS[1] grant   KEYS[2] the account's grant set   KEYS[3] account   KEYS[4] code
-- ARGV[1] lifetime (s)   ARGV[2] gid   ARGV[3..] field, value, ...
-- Returns 'ok', 'gone' (the account is no longer active, or was locked since the code was
-- issued) or 'replay' (the code was replayed between the two halves: its grant is born revoked).
if redis.call('HGET', KEYS[3], 'status') ~= 'active' then
  return 'gone'
end
local locked = tonumber(redis.call('HGET', KEYS[3], 'admin_lock_until') or '0')
if locked > tonumber(redis.call('TIME')[1]) then
  return 'gone'
end
if redis.call('HGET', KEYS[4], 'gid') then
  return 'replay'
end
redis.call('HSET', KEYS[4], 'gid', ARGV[2])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
redis.call('SADD', KEYS[2], ARGV[2])
return 'ok'
