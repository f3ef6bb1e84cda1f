-- wrk script: every request carries the next of the tokens in $BENCH_TOKEN_FILE (one a line),
-- cycling, so that the server sees many distinct tokens instead of one remembered token.

dofile("bench/report.lua")

local tokens = {}
local next_token = 1

function init(args)
   local path = os.getenv("BENCH_TOKEN_FILE") or error("BENCH_TOKEN_FILE is not set")
   for line in io.lines(path) do
      if line ~= "" then
         tokens[#tokens + 1] = "Bearer " .. line
      end
   end
   if #tokens == 0 then
      error("no tokens in " .. path)
   end
end

function request()
   local authorization = tokens[next_token]
   next_token = next_token % #tokens + 1
   return wrk.format(nil, nil, { ["Authorization"] = authorization })
end
