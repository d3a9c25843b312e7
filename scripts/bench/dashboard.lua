-- The signed-in customer dashboard (/account) with the tenant drawn at random over the first BENCH_DASHBOARD_TENANTS
-- benchmark tenants, each with its own customer's session cookie (made by `portal bench-prepare`).
-- As random-host.lua: each wrk thread formats every tenant's request once and sends one drawn at random each time.
local tenants = tonumber(os.getenv("BENCH_DASHBOARD_TENANTS") or "1000")
local base = os.getenv("BENCH_BASE_DOMAIN") or "localhost"
local requests, count = {}, 0

init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
  for number = 1, tenants do
    local host = string.format("b%05d.%s", number, base)
    local cookie = string.format("__Host-session=bench-session-%d-0123456789abcdef0123456789", number)
    requests[number] = wrk.format("GET", "/account", { ["Host"] = host, ["Cookie"] = cookie })
  end
  count = tenants
end

request = function()
  return requests[math.random(1, count)]
end
