-- A GET of the URL on wrk's command line, with the signed-in session given by -H "Cookie: …".
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
