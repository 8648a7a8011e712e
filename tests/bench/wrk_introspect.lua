-- wrk: introspection (RFC 7662) of one token ($BENCH_TOKEN) again and again, the client
-- authenticated with client_secret_basic ($BENCH_BASIC); an answer other than active is wrong.
dofile(os.getenv("BENCH_LUA") .. "/wrk_lib.lua")
wrk.method = "POST"
wrk.body = "token=" .. os.getenv("BENCH_TOKEN")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")

function response(status, headers, body) check(status, body, '"active":true') end
