-- wrk script: cycle through the tile URLs listed in $URLS, asking for gzip; with
-- $TOKEN set, as that API token's account (staff tiles).
local urls = {}
for line in io.lines(os.getenv("URLS")) do urls[#urls + 1] = line end
local headers = { ["Accept-Encoding"] = "gzip" }
local token = os.getenv("TOKEN")
if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
local i = 0
request = function()
  i = i % #urls + 1
  return wrk.format("GET", urls[i], headers)
end
