-- wrk: mint authorization codes through /authorize with an SSO cookie (consent remembered):
-- every 302's code goes to $BENCH_CODES.<thread id>, one per line, for wrk_redeem.lua.
local n = 0
function setup(thread) n = n + 1; thread:set("tid", n) end
function init()
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
  out = io.open(os.getenv("BENCH_CODES") .. "." .. tid, "w")
end
function response(status, headers)
  local loc = headers["Location"] or headers["location"]
  local code = loc and loc:match("[?&]code=([^&]+)")
  if code then out:write(code, "\n"); out:flush() end
end
