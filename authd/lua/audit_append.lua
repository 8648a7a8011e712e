-- Appends one entry to the hash-chained audit stream, if the chain's head is still the one the
-- entry was hashed against (several workers append; a loser re-hashes on the new head).
-- KEYS[1] audit stream   KEYS[2] chain head (the last entry's hash)
-- ARGV[1] the head the entry was hashed against   ARGV[2] the entry's hash
-- ARGV[3..] the entry's field/value pairs
-- Returns {'ok', stream id} | {'retry', actual head}.
local head = redis.call('GET', KEYS[2]) or string.rep('0', 64)
if head ~= ARGV[1] then
  return {'retry', head}
end
local args = {KEYS[1], '*'}
for i = 3, #ARGV do
  args[#args + 1] = ARGV[i]
end
local id = redis.call('XADD', unpack(args))
redis.call('SET', KEYS[2], ARGV[2])
return {'ok', id}
