-- An account as an administrator sees it: its state, never its secrets (docs/admin-api.md).
-- KEYS[1] account   KEYS[2] registry record   KEYS[3] SSO session set   KEYS[4] app session set
-- KEYS[5] grant set   KEYS[6] level history   ARGV[1] key prefix of the account's grants
-- Returns 'none' | {status, level, locked until, lock by, lock reason, device id,
--   last app login, name, live SSO sessions, live app sessions, live grants, {history...}}.
local a = redis.call('HMGET', KEYS[1], 'status', 'level', 'locked_until', 'lock_by',
                     'lock_reason', 'device_id', 'last_app_login', 'admin_lock_until')
local admin_until = tonumber(a[8] or '0')
if not a[1] then
  return 'none'
end
for i = 1, 7 do a[i] = a[i] or '' end
if admin_until <= tonumber(redis.call('TIME')[1]) then
  a[4] = '' -- the administrator's lock is over: a lock now is the automatic one
end
a[8] = redis.call('HGET', KEYS[2], 'name') or ''
local function live(set, prefix)
  local n = 0
  for _, k in ipairs(redis.call('SMEMBERS', set)) do
    n = n + redis.call('EXISTS', prefix .. k)
  end
  return n
end
a[9] = live(KEYS[3], '')
a[10] = live(KEYS[4], '')
a[11] = live(KEYS[5], ARGV[1])
a[12] = redis.call('LRANGE', KEYS[6], 0, -1)
return a
