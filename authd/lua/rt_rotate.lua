-- Refresh-token rotation (RFC 9700 §4.14.2). A grant holds the hash of its current refresh token
-- ('rt'), possibly a sibling ('rt2': issued to a concurrent retry within the grace period), and
-- the one they replaced ('rt_prev', acceptable until 'rt_prev_until'). Using a current token
-- rotates; using the previous one within the grace period issues a sibling; anything else that
-- names the grant is a reuse: the whole family is revoked.
-- KEYS[1] grant   KEYS[2] account
-- ARGV[1] client_id   ARGV[2] presented hash   ARGV[3] new hash   ARGV[4] now
-- ARGV[5] grace (s)   ARGV[6] refresh lifetime (s)
-- ARGV[7] the scope bits asked for ('' = the grant's): wider than the grant's is refused
--         before anything is written, so the refused token stays usable (RFC 6749 §6)
-- Returns {'ok', scope, sid, auth_time, acr, amr} | 'invalid' | 'revoked' | 'reuse' | 'gone'
-- | 'scope'.
local g = redis.call('HMGET', KEYS[1], 'client', 'revoked', 'rt', 'rt2', 'rt_prev',
                     'rt_prev_until', 'family_exp', 'scope', 'sid', 'auth_time', 'acr', 'amr')
if not g[1] or g[1] ~= ARGV[1] then
  return 'invalid'
end
if g[2] then
  return 'revoked'
end
if redis.call('HGET', KEYS[2], 'status') ~= 'active' then
  return 'gone'
end
local now = tonumber(ARGV[4])
local h = ARGV[2]
local usable = h == g[3] or h == g[4] or (h == g[5] and now <= tonumber(g[6] or '0'))
if usable and ARGV[7] ~= '' and
   bit.band(tonumber(ARGV[7]), bit.bnot(tonumber(g[8] or '0'))) ~= 0 then
  return 'scope'
end
if h == g[3] or h == g[4] then
  redis.call('HSET', KEYS[1], 'rt', ARGV[3], 'rt_prev', h,
             'rt_prev_until', now + tonumber(ARGV[5]))
  redis.call('HDEL', KEYS[1], 'rt2')
elseif h == g[5] and now <= tonumber(g[6] or '0') then
  redis.call('HSET', KEYS[1], 'rt2', ARGV[3])
else
  redis.call('HSET', KEYS[1], 'revoked', 'refresh_reuse')
  return 'reuse'
end
local left = tonumber(g[7]) - now
local life = math.min(tonumber(ARGV[6]), left)
if life <= 0 then
  redis.call('HSET', KEYS[1], 'revoked', 'expired')
  return 'invalid'
end
redis.call('EXPIRE', KEYS[1], life)
return {'ok', g[8], g[9], g[10], g[11], g[12]}
