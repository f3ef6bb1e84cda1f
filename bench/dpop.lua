-- wrk script: the DPoP-protected admin route with a fresh proof on every request. The token and
-- the proofs (one a line, the token first) come from $BENCH_DPOP_FILE, made by
-- examples/dpop_proofs.rs. A proof is never sent twice (the server would refuse it as a replay):
-- the thread stops while a margin of unused proofs is left for the requests already under way.
-- The requests are formatted once, in init, so that wrk spends its time sending, not in Lua.

dofile("bench/report.lua")

local requests = {}
local next_request = 1
local margin = 256

function init(args)
   local path = os.getenv("BENCH_DPOP_FILE") or error("BENCH_DPOP_FILE is not set")
   local token
   for line in io.lines(path) do
      if line ~= "" then
         if token == nil then
            token = line
         else
            requests[#requests + 1] =
               wrk.format(nil, nil, { ["Authorization"] = "DPoP " .. token, ["DPoP"] = line })
         end
      end
   end
   if #requests <= margin then
      error("too few proofs in " .. path)
   end
end

function request()
   if next_request == #requests - margin then
      wrk.thread:stop()
   end
   local request = requests[next_request]
   next_request = math.min(next_request + 1, #requests)
   return request
end
