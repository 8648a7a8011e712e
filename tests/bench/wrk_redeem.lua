-- wrk: redeem each pre-minted code exactly once (codes from $BENCH_CODES.*, split among
-- threads); when a thread runs out it stops sending.
local files = {}
local n = 0
function setup(thread) n = n + 1; thread:set("tid", n) end
function init()
  codes = {}
  local i = 1
  while true do
    local f = io.open(os.getenv("BENCH_CODES") .. "." .. i, "r")
    if not f then break end
    for line in f:lines() do codes[#codes + 1] = line end
    f:close(); i = i + 1
  end
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  pos = tid
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
  suffix = "&redirect_uri=" .. os.getenv("BENCH_CB") .. "&code_verifier=" .. os.getenv("BENCH_VERIFIER")
end
function request()
  local c = codes[pos]
  if not c then
    wrk.thread:stop()
    return wrk.format(nil, "/healthz")
  end
  pos = pos + nthreads
  return wrk.format(nil, nil, nil, "grant_type=authorization_code&code=" .. c .. suffix)
end
function response(status)
  if status ~= 200 then bad = (bad or 0) + 1 end
end
