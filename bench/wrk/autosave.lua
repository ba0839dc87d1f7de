-- The autosave POST, as static/js/attempt.js sends it: one question's answer, JSON wanted.
-- Each taker (one a line in the file named after --: attempt id, question position, two option
-- keys, session id, CSRF token) has their own open attempt; requests go round the takers, and
-- each request switches that taker's answer to the other key, so every save changes a row.
-- Arguments after --: the takers file, wrk's thread count.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local count = 0
function setup(thread)
  thread:set("thread_index", count)
  count = count + 1
end

local takers = {}
local turn = 0

function init(args)
  local threads = tonumber(args[2])
  local n = 0
  for line in io.lines(args[1]) do
    if n % threads == thread_index then
      local attempt, position, key_a, key_b, session, csrf = line:match("(%S+) (%S+) (%S+) (%S+) (%S+) (%S+)")
      takers[#takers + 1] = {
        path = "/assessments/attempt/" .. attempt .. "/answer/",
        fields = "csrfmiddlewaretoken=" .. csrf .. "&shown=" .. position .. "&q" .. position .. "=",
        keys = {key_a, key_b},
        flip = 2,  -- the first request sends keys[1], which differs from the saved answer
        headers = {
          ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf,
          ["Content-Type"] = "application/x-www-form-urlencoded",
          ["Accept"] = "application/json",
        },
      }
    end
    n = n + 1
  end
end

function request()
  turn = turn % #takers + 1
  local taker = takers[turn]
  taker.flip = 3 - taker.flip
  return wrk.format("POST", taker.path, taker.headers, taker.fields .. taker.keys[taker.flip])
end
