-- Ends one SSO session (logout): the session, its entry in the account's set, and the grants
-- issued from it, except offline ones (offline_access outlives the browser session by design).
-- KEYS[1] session   KEYS[2] the account's session set   KEYS[3] the account's grant set
-- ARGV[1] key prefix of the account's grants   ARGV[2] the offline_access scope bit
-- Returns {sid or '', client, sid, client, sid, ...}: the ended session's sid ('' if there was
-- none) and, for back-channel logout, the client of every grant issued from it.
local sid = redis.call('HGET', KEYS[1], 'sid') or ''
local out = {sid}
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], KEYS[1])
if sid == '' then
  return out
end
local bit = tonumber(ARGV[2])
for _, gid in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local gk = ARGV[1] .. gid
  local g = redis.call('HMGET', gk, 'client', 'sid', 'scope')
  if g[1] and g[2] == sid then
    out[#out + 1] = g[1]
    out[#out + 1] = sid
    if math.floor(tonumber(g[3] or '0') / bit) % 2 == 0 then
      redis.call('DEL', gk)
      redis.call('SREM', KEYS[3], gid)
    end
  end
end
return out
