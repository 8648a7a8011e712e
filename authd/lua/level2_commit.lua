-- Raises an active account to level 2 and records how in the level history.
-- KEYS[1] account   KEYS[2] level history   ARGV[1] history entry (JSON)
-- Returns 'ok' (raised, or already level 2: nothing written) or 'gone' (not active).
if redis.call('HGET', KEYS[1], 'status') ~= 'active' then
  return 'gone'
end
if tonumber(redis.call('HGET', KEYS[1], 'level') or '1') >= 2 then
  return 'ok'
end
redis.call('HSET', KEYS[1], 'level', 2)
redis.call('RPUSH', KEYS[2], ARGV[1])
return 'ok'
