-- A CIBA grant (ep_token.c ciba_polled; codes have code_redeem.lua): the grant its tokens belong
-- to. The grant lives as long as its refresh-token family may; the approved request records its
-- gid, so that a second poll makes no second grant.
-- KEYS[1] grant   KEYS[2] the account's grant set   KEYS[3] account   KEYS[4] the CIBA request
-- ARGV[1] lifetime (s)   ARGV[2] gid   ARGV[3..] field, value, ...
-- Returns 'ok', 'gone' (the account is no longer active, or was locked since the request was
-- approved) or 'replay' (the request made its grant already).
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
