-- The signed-in customer dashboard (/account) with the tenant drawn at random over the first BENCH_DASHBOARD_TENANTS
-- benchmark tenants, each with its own customer's session cookie (made by `portal bench-prepare`).
local tenants = tonumber(os.getenv("BENCH_DASHBOARD_TENANTS") or "1000")
local base = os.getenv("BENCH_BASE_DOMAIN") or "localhost"
local seeded = false

request = function()
  if not seeded then
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
    seeded = true
  end
  local number = math.random(1, tenants)
  local host = string.format("b%05d.%s", number, base)
  local cookie = string.format("__Host-session=bench-session-%d-0123456789abcdef0123456789", number)
  return wrk.format("GET", "/account", { ["Host"] = host, ["Cookie"] = cookie })
end
