-- Shared by the wrk scripts (dofile'd by each): numbers the threads (tid), counts answers that
-- are wrong though not an HTTP error (a 200 without the token it should carry: `wrong`) and
-- threads that ran out of pre-minted codes or tokens (`ran_out`), and prints both at the end for
-- bench.sh as "bench-wrong N" and "bench-ran-out N".
local threads = {}
wrong, ran_out = 0, 0

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("tid", #threads)
end

-- check(status, body, pattern): counts a non-error answer whose body lacks pattern.
function check(status, body, pattern)
  if status < 400 and (status ~= 200 or not body:find(pattern, 1, true)) then
    wrong = wrong + 1
  end
end

-- lines(path): the lines of a file (none when it does not exist).
function lines(path)
  local t, f = {}, io.open(path, "r")
  if f then
    for l in f:lines() do t[#t + 1] = l end
    f:close()
  end
  return t
end

function done()
  local w, r = 0, 0
  for _, t in ipairs(threads) do
    w = w + (t:get("wrong") or 0)
    r = r + (t:get("ran_out") or 0)
  end
  io.write(string.format("bench-wrong %d\nbench-ran-out %d\n", w, r))
end
