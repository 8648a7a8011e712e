-- A new hash with an expiry, atomically (codes, pending SMS codes of a web login).
-- KEYS[1] key   ARGV[1] lifetime (s)   ARGV[2..] field, value, ...
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return 'ok'
