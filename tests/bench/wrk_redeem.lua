-- wrk: redeem each pre-minted code once (the lines of $BENCH_CODES, split among threads), PKCE
-- verifier $BENCH_VERIFIER, redirect URI $BENCH_CB (URL-encoded). Each answer's refresh token is
-- appended to $BENCH_RTS.<thread id> for wrk_refresh.lua (buffered: wrk's exit flushes it), the
-- first access token written to $BENCH_AT. A thread out of codes stops and says so
-- (wrk_lib.lua): wrk would otherwise divide fewer requests by the whole duration.
dofile(os.getenv("BENCH_LUA") .. "/wrk_lib.lua")

function init()
  codes = lines(os.getenv("BENCH_CODES"))
  step = tonumber(os.getenv("BENCH_THREADS") or "1")
  pos = tid
  rts = io.open(os.getenv("BENCH_RTS") .. "." .. tid, "a")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
  suffix = "&redirect_uri=" .. os.getenv("BENCH_CB") .. "&code_verifier=" .. os.getenv("BENCH_VERIFIER")
end

function request()
  local c = codes[pos]
  if not c then
    ran_out = 1
    wrk.thread:stop()
    return wrk.format("GET", "/")
  end
  pos = pos + step
  return wrk.format(nil, nil, nil, "grant_type=authorization_code&code=" .. c .. suffix)
end

function response(status, headers, body)
  if ran_out == 1 then return end
  check(status, body, '"id_token":"')
  local rt = body:match('"refresh_token":"([^"]+)"')
  if rt then rts:write(rt, "\n") else wrong = wrong + 1 end
  if tid == 1 and not at_written then
    local at = body:match('"access_token":"([^"]+)"')
    if at then
      local f = io.open(os.getenv("BENCH_AT"), "w")
      f:write(at, "\n"); f:close()
      at_written = true
    end
  end
end
