-- The approval POST: every request approves another submitted IDP item of the pool that
-- bench/load.py made (one id a line in the file named after --), so each one does the work of a
-- real decision; no item is approved twice. Arguments after --: ids file, wrk's thread count,
-- the CSRF token (the session and CSRF cookies come with -H "Cookie: …").
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local count = 0
function setup(thread)
  thread:set("thread_index", count)
  count = count + 1
end

local ids = {}
local next_id = 0

function init(args)
  local threads = tonumber(args[2])
  local n = 0
  for line in io.lines(args[1]) do
    -- Each thread takes every threads-th id, so threads never share an item.
    if n % threads == thread_index then
      ids[#ids + 1] = line
    end
    n = n + 1
  end
  wrk.method = "POST"
  wrk.body = "csrfmiddlewaretoken=" .. args[3] .. "&approve-comment=Approved+by+the+load+harness"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  next_id = next_id + 1
  if next_id > #ids then
    -- The pool ran out (bench/load.py sizes it to last the run; it reports when it did not).
    wrk.thread:stop()
    next_id = #ids
  end
  return wrk.format(nil, "/idp/" .. ids[next_id] .. "/approve/")
end
