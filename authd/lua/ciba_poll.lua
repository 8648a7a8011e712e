-- The client polls /token for a CIBA request (CIBA Core §11): authorization_pending until the
-- app decides, slow_down (and a longer interval) when it polls faster than the interval, then
-- the tokens once.
-- KEYS[1] request   ARGV[1] client_id   ARGV[2] now
-- Returns 'expired' | 'invalid' (another client's) | 'pending' | 'slow_down' | 'denied' | 'used'
--       | {'ok', scope, acr, amr, auth_time}.
local h = redis.call('HMGET', KEYS[1], 'client', 'status', 'exp', 'interval', 'last_poll',
                     'scope', 'acr', 'amr', 'auth_time')
if not h[1] then
  return 'expired'
end
if h[1] ~= ARGV[1] then
  return 'invalid'
end
local now = tonumber(ARGV[2])
if tonumber(h[3]) < now then
  return 'expired'
end
if h[2] == 'pending' then
  local interval = tonumber(h[4])
  if h[5] and now - tonumber(h[5]) < interval then
    redis.call('HSET', KEYS[1], 'interval', interval + 5, 'last_poll', now)
    return 'slow_down'
  end
  redis.call('HSET', KEYS[1], 'last_poll', now)
  return 'pending'
end
if h[2] == 'denied' then
  return 'denied'
end
if h[2] ~= 'approved' then
  return 'used'
end
redis.call('HSET', KEYS[1], 'status', 'used')
return {'ok', h[6], h[7], h[8], h[9]}
