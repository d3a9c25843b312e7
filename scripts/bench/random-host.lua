-- Storefront home page with the Host drawn at random over the benchmark tenants (b00001 …).
local tenants = tonumber(os.getenv("BENCH_TENANTS") or "10000")
local base = os.getenv("BENCH_BASE_DOMAIN") or "localhost"
local seeded = false

request = function()
  if not seeded then
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
    seeded = true
  end
  local host = string.format("b%05d.%s", math.random(1, tenants), base)
  return wrk.format("GET", "/", { ["Host"] = host })
end
