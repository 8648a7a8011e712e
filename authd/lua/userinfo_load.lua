-- /userinfo: the token's state (as at_check.lua) and the citizen's registry record, in one trip.
-- KEYS[1] revoked-token marker   KEYS[2] grant   KEYS[3] account   KEYS[4] registry record
-- Returns false when the token is no longer good, else {name, dob, sex, residence, phone}.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return false
end
local g = redis.call('HMGET', KEYS[2], 'client', 'revoked')
if not g[1] or g[2] then
  return false
end
if redis.call('HGET', KEYS[3], 'status') ~= 'active' then
  return false
end
local r = redis.call('HMGET', KEYS[4], 'name', 'dob', 'sex', 'residence', 'phone')
for i = 1, 5 do r[i] = r[i] or '' end
return r
