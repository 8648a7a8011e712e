-- Authorization code redemption in one step: take the code (single use), check it against the
-- redemption, and create the grant its tokens belong to. The code is spent by any attempt,
-- refused ones included (a code is worth one try: RFC 9700 §4.4.1.1 fails safe).
-- KEYS[1] code   KEYS[2] grant   KEYS[3] the account's grant set   KEYS[4] account
-- ARGV[1] client_id   ARGV[2] redirect_uri   ARGV[3] base64url SHA-256 of code_verifier ('' when
-- none was sent, '-' when it is malformed: equal to no challenge)   ARGV[4] grant lifetime with a
-- refresh token (s)   ARGV[5] without   ARGV[6] gid   ARGV[7] now   ARGV[8] refresh family end
-- ARGV[9] the new refresh token's hash ('' when the client may not refresh)
-- ARGV[10] the offline_access scope bit
-- Returns false (unknown or expired); {'replay', gid or ''} (used before: the caller revokes the
-- grant it produced, RFC 6749 §4.1.2); {'refused', 'client'|'redirect_uri'|'pkce'|'downgrade'|
-- 'incomplete'}; 'gone' (the account is no longer active or was locked since the code was
-- issued); or {'ok', '1' when a refresh token was stored else '0', scope, nonce, auth_time, acr,
-- amr, sid}.
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then
  return false
end
local c = {}
for i = 1, #h, 2 do
  c[h[i]] = h[i + 1]
end
if c.used then
  return {'replay', c.gid or ''}
end
redis.call('HSET', KEYS[1], 'used', '1')
if not (c.client and c.redirect_uri and c.challenge and c.scope and c.nonce and c.auth_time and
        c.acr and c.amr and c.sid) then
  return {'refused', 'incomplete'}
end
if c.client ~= ARGV[1] then
  return {'refused', 'client'}
end
if c.redirect_uri ~= ARGV[2] then
  return {'refused', 'redirect_uri'}
end
if c.challenge ~= '' and c.challenge ~= ARGV[3] then
  return {'refused', 'pkce'}
end
if c.challenge == '' and ARGV[3] ~= '' then
  -- a verifier for a code issued without a challenge: a downgrade (RFC 9700 §2.1.1)
  return {'refused', 'downgrade'}
end
if redis.call('HGET', KEYS[4], 'status') ~= 'active' then
  return 'gone'
end
local locked = tonumber(redis.call('HGET', KEYS[4], 'admin_lock_until') or '0')
if locked > tonumber(redis.call('TIME')[1]) then
  return 'gone'
end
local rt = ARGV[9] ~= '' and bit.band(tonumber(c.scope) or 0, tonumber(ARGV[10])) ~= 0
redis.call('HSET', KEYS[1], 'gid', ARGV[6])
redis.call('HSET', KEYS[2], 'client', ARGV[1], 'scope', c.scope, 'sid', c.sid,
           'auth_time', c.auth_time, 'acr', c.acr, 'amr', c.amr, 'created', ARGV[7],
           'family_exp', ARGV[8])
if rt then
  redis.call('HSET', KEYS[2], 'rt', ARGV[9])
end
redis.call('EXPIRE', KEYS[2], tonumber(rt and ARGV[4] or ARGV[5]))
redis.call('SADD', KEYS[3], ARGV[6])
return {'ok', rt and '1' or '0', c.scope, c.nonce, c.auth_time, c.acr, c.amr, c.sid}
