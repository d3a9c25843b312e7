-- Visits every benchmark tenant once, in order, spread over wrk's threads, then keeps cycling.
local tenants = tonumber(os.getenv("BENCH_TENANTS") or "10000")
local base = os.getenv("BENCH_BASE_DOMAIN") or "localhost"
local step = tonumber(os.getenv("BENCH_THREADS") or "2")
local next_offset = 0
local counter = 0

setup = function(thread)
  thread:set("offset", next_offset)
  next_offset = next_offset + 1
end

request = function()
  local number = offset + counter * step
  counter = counter + 1
  local host = string.format("b%05d.%s", number % tenants + 1, base)
  return wrk.format("GET", "/", { ["Host"] = host })
end
