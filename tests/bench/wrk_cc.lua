-- wrk: client_credentials token requests (client_secret_basic from the environment).
wrk.method = "POST"
wrk.body = "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")

function response(status)
  if status ~= 200 then bad = (bad or 0) + 1 end
end
