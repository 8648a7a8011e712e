-- The browser that started a QR login collects its outcome, once.
-- KEYS[1] transaction   ARGV[1] the browser's binding (hash of its cookie)
-- Returns {'approved', id, acr, amr, auth_time, tid hash} | {'denied', tid hash}
--       | 'pending' | 'gone' | 'browser' (another browser).
local h = redis.call('HMGET', KEYS[1], 'status', 'b', 'id', 'acr', 'amr', 'auth_time', 'tid')
if not h[1] or h[1] == 'used' then
  return 'gone'
end
if h[2] ~= ARGV[1] then
  return 'browser'
end
if h[1] == 'approved' then
  redis.call('HSET', KEYS[1], 'status', 'used')
  return {'approved', h[3], h[4], h[5], h[6], h[7]}
end
if h[1] == 'denied' then
  redis.call('HSET', KEYS[1], 'status', 'used')
  return {'denied', h[7]}
end
return 'pending'
