-- wrk: client_credentials token requests (client_secret_basic from $BENCH_BASIC).
dofile(os.getenv("BENCH_LUA") .. "/wrk_lib.lua")
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")

function response(status, headers, body) check(status, body, '"access_token":"') end
