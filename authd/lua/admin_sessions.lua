-- An account's live sessions and grants, for an administrator (docs/admin-api.md).
-- KEYS[1] SSO session set   KEYS[2] app session set   KEYS[3] grant set
-- ARGV[1] key prefix of the account's grants
-- Returns {{h, auth_time, acr, amr, sid, ...}, {h, session JSON, ...},
--          {gid, client, scope, created, sid, ...}}.
local sso, app, grants = {}, {}, {}
local function tail(k)
  return string.match(k, '[^:]+$')
end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local s = redis.call('HMGET', k, 'auth_time', 'acr', 'amr', 'sid')
  if s[1] then
    for _, v in ipairs({tail(k), s[1], s[2] or '', s[3] or '', s[4] or ''}) do
      sso[#sso + 1] = v
    end
  end
end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local s = redis.call('GET', k)
  if s then
    app[#app + 1] = tail(k)
    app[#app + 1] = s
  end
end
for _, gid in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local g = redis.call('HMGET', ARGV[1] .. gid, 'client', 'scope', 'created', 'sid')
  if g[1] then
    for _, v in ipairs({gid, g[1], g[2] or '', g[3] or '', g[4] or ''}) do
      grants[#grants + 1] = v
    end
  end
end
return {sso, app, grants}
