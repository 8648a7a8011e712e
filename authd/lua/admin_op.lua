-- An administrator's change to an account, in one atomic step (docs/admin-api.md). Ending a
-- session, a grant or a pending CIBA request deletes it: every check (sso_load, app_session,
-- rt_check, at_check, userinfo_load, ciba_poll) then finds nothing.
-- KEYS[1] account   KEYS[2] SSO session set   KEYS[3] app session set   KEYS[4] grant set
-- KEYS[5] pending CIBA set   KEYS[6] level history
-- ARGV[1] op: revoke | lock | reinstate | end | end_one | retire | level2
-- ARGV[2] now (unix s)   ARGV[3] lock: until (unix s); end_one: the session's hash;
--                                level2: the history entry (JSON)
-- ARGV[4] by (the administrator's client id)   ARGV[5] reason
-- ARGV[6] key prefix of the account's grants   ARGV[7] of its CIBA requests
-- ARGV[8] of its SSO sessions   ARGV[9] of its app sessions
-- Returns {'ok', sso, app, grants, ciba, client, sid, client, sid, ...}: what ended, and the
-- client and sid of each grant ended (for back-channel logout) | 'none' (no account)
-- | 'conflict' (nothing to reinstate, already level 2, no device, not active) | 'nosession'.
local a = redis.call('HMGET', KEYS[1], 'status', 'locked_until', 'level', 'device_id')
if not a[1] then
  return 'none'
end
local op, now = ARGV[1], tonumber(ARGV[2])
local out = {'ok', 0, 0, 0, 0}

local function end_grant(gid)
  local gk = ARGV[6] .. gid
  local g = redis.call('HMGET', gk, 'client', 'sid')
  if g[1] then
    redis.call('DEL', gk)
    out[4] = out[4] + 1
    out[#out + 1] = g[1]
    out[#out + 1] = g[2] or ''
  end
  redis.call('SREM', KEYS[4], gid)
end
local function end_set(set, slot)
  for _, k in ipairs(redis.call('SMEMBERS', set)) do
    out[slot] = out[slot] + redis.call('DEL', k)
  end
  redis.call('DEL', set)
end
local function end_grants()
  for _, gid in ipairs(redis.call('SMEMBERS', KEYS[4])) do
    end_grant(gid)
  end
  redis.call('DEL', KEYS[4])
end
local function end_ciba()
  for _, rid in ipairs(redis.call('ZRANGE', KEYS[5], 0, -1)) do
    out[5] = out[5] + redis.call('DEL', ARGV[7] .. rid)
  end
  redis.call('DEL', KEYS[5])
end
local function end_all()
  end_set(KEYS[2], 2)
  end_set(KEYS[3], 3)
  end_grants()
  end_ciba()
end

if op == 'revoke' then
  redis.call('HSET', KEYS[1], 'status', 'revoked', 'revoked_at', now, 'revoked_by', ARGV[4],
             'revoked_reason', ARGV[5])
  end_all()
elseif op == 'lock' then
  -- locked_until stops every login path; admin_lock_until also what a login begun before the
  -- lock would still finish (a code's redemption, a QR approval's collection, a CIBA request)
  local u = math.max(tonumber(a[2] or '0'), tonumber(ARGV[3]))
  redis.call('HSET', KEYS[1], 'locked_until', u, 'admin_lock_until', ARGV[3], 'lock_by', ARGV[4],
             'lock_reason', ARGV[5])
  end_all()
elseif op == 'reinstate' then
  if a[1] ~= 'revoked' and tonumber(a[2] or '0') <= now then
    return 'conflict'
  end
  redis.call('HSET', KEYS[1], 'status', 'active', 'locked_until', 0, 'pwd_fails', 0,
             'pin_fails', 0)
  redis.call('HDEL', KEYS[1], 'admin_lock_until', 'lock_by', 'lock_reason', 'revoked_at',
             'revoked_by', 'revoked_reason')
elseif op == 'end' then
  end_set(KEYS[2], 2)
  end_set(KEYS[3], 3)
  end_grants()
elseif op == 'end_one' then
  local sk, ak = ARGV[8] .. ARGV[3], ARGV[9] .. ARGV[3]
  if redis.call('SISMEMBER', KEYS[2], sk) == 1 then
    local sid = redis.call('HGET', sk, 'sid') or ''
    out[2] = redis.call('DEL', sk)
    redis.call('SREM', KEYS[2], sk)
    if sid ~= '' then
      for _, gid in ipairs(redis.call('SMEMBERS', KEYS[4])) do
        if redis.call('HGET', ARGV[6] .. gid, 'sid') == sid then
          end_grant(gid)
        end
      end
    end
  elseif redis.call('SISMEMBER', KEYS[3], ak) == 1 then
    out[3] = redis.call('DEL', ak)
    redis.call('SREM', KEYS[3], ak)
  else
    return 'nosession'
  end
elseif op == 'retire' then
  if not a[4] or a[4] == '' then
    return 'conflict'
  end
  redis.call('HDEL', KEYS[1], 'device_id', 'device_key')
  end_set(KEYS[3], 3)
  end_ciba()
elseif op == 'level2' then
  if a[1] ~= 'active' or tonumber(a[3] or '1') >= 2 then
    return 'conflict'
  end
  redis.call('HSET', KEYS[1], 'level', 2)
  redis.call('RPUSH', KEYS[6], ARGV[3])
else
  return redis.error_reply('admin_op: unknown op')
end
return out
