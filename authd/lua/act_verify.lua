-- Activation: check the SMS code. Single use; a wrong code counts; the last allowed wrong code
-- ends the activation (a new start sends a new code).
-- KEYS[1] activation
-- ARGV[1] SHA-256 of the activation id   ARGV[2] MAC of the code sent   ARGV[3] attempts allowed
-- Returns {'ok'} | {'bad', attempts left} | {'locked'} | {'used'} | {'unknown'} (no such
-- activation: never started, expired, replaced, or ended).
local a = redis.call('HMGET', KEYS[1], 'aid', 'code', 'state', 'tries')
if not a[1] or a[1] ~= ARGV[1] then
  return {'unknown'}
end
if a[3] ~= 'sent' then
  return {'used'}
end
local max = tonumber(ARGV[3])
local tries = tonumber(a[4])
if a[2] ~= ARGV[2] then
  tries = tries + 1
  if tries >= max then
    redis.call('DEL', KEYS[1])
    return {'locked'}
  end
  redis.call('HSET', KEYS[1], 'tries', tries)
  return {'bad', max - tries}
end
redis.call('HSET', KEYS[1], 'state', 'verified')
return {'ok'}
