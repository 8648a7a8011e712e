-- wrk: refresh-token grants. Each thread takes its share of the lines of $BENCH_RTS (refresh
-- tokens from wrk_redeem.lua) into a queue, sends each once, and queues the rotated refresh token
-- each answer carries: every token is used exactly once, as rotation requires, and a run never
-- needs more tokens than it has connections. A thread whose queue empties stops and says so.
dofile(os.getenv("BENCH_LUA") .. "/wrk_lib.lua")

function init()
  local all, step = lines(os.getenv("BENCH_RTS")), tonumber(os.getenv("BENCH_THREADS") or "1")
  q, head, tail = {}, 1, 0 -- explicit ends: # is undefined on a table with holes
  for i = tid, #all, step do tail = tail + 1; q[tail] = all[i] end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
end

function request()
  local t = q[head]
  if not t then
    ran_out = 1
    wrk.thread:stop()
    return wrk.format("GET", "/")
  end
  q[head] = nil
  head = head + 1
  return wrk.format(nil, nil, nil, "grant_type=refresh_token&refresh_token=" .. t)
end

function response(status, headers, body)
  if ran_out == 1 then return end
  check(status, body, '"id_token":"')
  local rt = body:match('"refresh_token":"([^"]+)"')
  if rt then tail = tail + 1; q[tail] = rt end
end
