-- Storefront home page with the Host drawn at random over the benchmark tenants (b00001 …).
-- Each wrk thread formats one request per tenant once and then sends one drawn at random each time: the same draw as
-- formatting a request per request, without wrk formatting it on the cores the server is measured on.
local tenants = tonumber(os.getenv("BENCH_TENANTS") or "10000")
local base = os.getenv("BENCH_BASE_DOMAIN") or "localhost"
local requests, count = {}, 0

init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
  for number = 1, tenants do
    requests[number] = wrk.format("GET", "/", { ["Host"] = string.format("b%05d.%s", number, base) })
  end
  count = tenants
end

request = function()
  return requests[math.random(1, count)]
end
