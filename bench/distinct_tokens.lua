-- wrk script: every request carries the next of the tokens in $BENCH_TOKEN_FILE (one a line),
-- cycling, so that the server sees many distinct tokens instead of one remembered token.
-- The requests are formatted once, in init, so that wrk spends its time sending, not in Lua.

dofile("bench/report.lua")

local requests = {}
local next_request = 1

function init(args)
   local path = os.getenv("BENCH_TOKEN_FILE") or error("BENCH_TOKEN_FILE is not set")
   for token in io.lines(path) do
      if token ~= "" then
         requests[#requests + 1] = wrk.format(nil, nil, { ["Authorization"] = "Bearer " .. token })
      end
   end
   if #requests == 0 then
      error("no tokens in " .. path)
   end
end

function request()
   local request = requests[next_request]
   next_request = next_request % #requests + 1
   return request
end
