-- wrk: mint authorization codes through /authorize with an SSO cookie ($BENCH_COOKIE; consent
-- remembered): every 302's code goes to $BENCH_CODES.<thread id>, one per line (buffered:
-- wrk's exit flushes it; a write per code would take the load CPU from Redis).
dofile(os.getenv("BENCH_LUA") .. "/wrk_lib.lua")

function init()
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
  out = io.open(os.getenv("BENCH_CODES") .. "." .. tid, "a")
end

function response(status, headers, body)
  local loc = headers["Location"] or headers["location"]
  local code = loc and loc:match("[?&]code=([^&]+)")
  if code then out:write(code, "\n") else wrong = wrong + 1 end
end
