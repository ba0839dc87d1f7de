"""Load harness: the portal served as in production, each page measured against the bare view.

Reuses (or builds) the bench data set in hrportal_bench (bench/_loaddata.py), collects the static
files into a temporary STATIC_ROOT, starts gunicorn (5 sync workers) with production settings
(DEBUG off, a random SECRET_KEY, BENCH_ENDPOINTS on for /bench/bare/), signs in through the login
page as the representative people, and drives each page with wrk on loopback (8 connections):
a warm-up, then a timed run. Each page's rate is given as a ratio to the bare view's (measured
first and last, their mean the yardstick), with p50/p95/p99 and the queries one request makes
(Django's test client in this process, same session, same database). Writes docs/benchmarks.md
(or --out), and bench/out/load.json with every figure. Usage:

    .venv/bin/python bench/load.py [--seconds 10] [--warmup 2] [--only gap,idp] [--rebuild] [--check]

`make bench` runs it. About 6 minutes with the data in place (plus 2 for a first build).
"""

import argparse
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import _benchdb
import _loaddata
import _wrk

PROJECT = _benchdb.PROJECT
DOCS = PROJECT / "docs" / "benchmarks.md"
EMPLOYEES = 10_000


@dataclass(frozen=True)
class Page:
    name: str
    label: str  # what the table shows
    user: str  # who asks (a username of bench/_loaddata.py)
    target: str  # "page", "reports", "write" or "" (the yardstick): see TARGETS
    method: str = "GET"


PAGES = (
    Page("bare", "bare view `/bench/bare/`", _loaddata.EMPLOYEE, ""),
    Page("gap", "`/gap/`", _loaddata.EMPLOYEE, "page"),
    Page("history", "`/gap/history/`", _loaddata.EMPLOYEE, "page"),
    Page("competency", "competency page `/gap/competency/<id>/`", _loaddata.EMPLOYEE, "page"),
    Page("idp", "`/idp/`", _loaddata.EMPLOYEE, "page"),
    Page("career", "`/career/`", _loaddata.EMPLOYEE, "page"),
    Page("learning", "`/learning/`", _loaddata.EMPLOYEE, "page"),
    Page("self", "`/self-assessment/`", _loaddata.EMPLOYEE, "page"),
    Page("assessments", "`/assessments/`", _loaddata.EMPLOYEE, "page"),
    Page("notifications", "`/notifications/`", _loaddata.EMPLOYEE, "page"),
    Page("team", "`/gap/team/` (supervisor, 10 reports)", _loaddata.SUPERVISOR, "page"),
    Page("report_gap", "a report's dashboard `/gap/<id>/` (supervisor)", _loaddata.SUPERVISOR, "page"),
    Page("report_plan", "a report's plan `/idp/employee/<id>/` (supervisor)", _loaddata.SUPERVISOR, "page"),
    Page("approvals", "`/idp/approvals/` (supervisor, 10 submitted)", _loaddata.SUPERVISOR, "page"),
    Page("reports", "`/reports/` (HC)", _benchdb.HC_USERNAME, "reports"),
    Page("approve", "approval POST `/idp/<id>/approve/`", _loaddata.APPROVER, "write", "POST"),
    Page("autosave", "autosave POST `/assessments/attempt/<id>/answer/`", "takers", "write", "POST"),
)
TARGETS = {
    "page": "≥ 0.5 × bare, p99 < 100 ms",
    "reports": "p95 < 100 ms",
    "write": "≥ 0.5 × bare",
}


def target_met(target: str, ratio: float, result: _wrk.WrkResult) -> bool | None:
    if target == "page":
        return ratio >= 0.5 and result.p99_ms < 100
    if target == "reports":
        return result.p95_ms < 100
    if target == "write":
        return ratio >= 0.5
    return None


@dataclass
class Row:
    page: Page
    result: _wrk.WrkResult
    queries: int | None
    ratio: float = 0.0
    yardstick: float = 0.0  # the bare view's rate next to this run (mean of the runs before and after)
    notes: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool | None:
        if self.result.errors or not self.result.requests:
            return False
        return target_met(self.page.target, self.ratio, self.result)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def loadavg() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


# Serving ---------------------------------------------------------------------------------------


def production_env(static_root: Path) -> dict[str, str]:
    """The settings gunicorn and this process share: production ones, on the bench database."""
    return {
        "DEBUG": "False",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or f"bench-{secrets.token_urlsafe(40)}",
        "DATABASE_URL": _benchdb.bench_url(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",  # testserver: the query counts' test client
        "STATIC_ROOT": str(static_root),
        "BENCH_ENDPOINTS": "True",
        # Emails are built as for real (the services render them) and then dropped.
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
    }


class Server:
    """gunicorn serving the portal on 127.0.0.1:port, in its own process group."""

    def __init__(self, *, port: int, workers: int, log: Path):
        self.port, self.workers, self.log = port, workers, log
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn)]
        config = PROJECT / "gunicorn.conf.py"
        if config.exists():
            command += ["--config", str(config)]
        # The command line wins over the config file: the bench fixes what it measures.
        command += [
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(self.log),
            # gunicorn 27's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl):
            # the harness must not take it from a `make serve` running beside it, nor lose it.
            "--no-control-socket",
            "hrportal.wsgi:application",
        ]
        log = self.log.open("wb")  # this run's log only
        self.process = subprocess.Popen(  # noqa: S603 - our own fixed command
            command, cwd=PROJECT, env=os.environ.copy(), stdout=log, stderr=log, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}); see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer /healthz within 60 s; see {self.log}")

    def drain(self) -> None:
        """Wait until the workers have answered what wrk left queued when it stopped: the next
        measurement must not start behind the last one's backlog (a slow page leaves up to one
        request per connection in gunicorn's queue)."""
        with urllib.request.urlopen(f"{self.base}/healthz", timeout=120) as response:  # noqa: S310
            response.read()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Session:
    """A browser's cookies after signing in through the login page."""

    username: str
    sessionid: str
    csrftoken: str

    @property
    def cookie(self) -> str:
        return f"sessionid={self.sessionid}; csrftoken={self.csrftoken}"

    def post(self, base: str, path: str, data: dict[str, str]) -> tuple[int, str]:
        """POST a form with the CSRF token; (status, Location) without following the redirect."""
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrftoken, **data}).encode()
        request = urllib.request.Request(f"{base}{path}", data=body, headers={"Cookie": self.cookie})  # noqa: S310
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", "")


def sign_in(base: str, username: str) -> Session:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    with opener.open(f"{base}/accounts/login/", timeout=30) as page:
        html = page.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if token is None:
        raise RuntimeError("The login page has no CSRF token.")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": _loaddata.PASSWORD}
    ).encode()
    try:
        opener.open(f"{base}/accounts/login/", data=form, timeout=30)
        raise RuntimeError(f"Signing in as {username} did not redirect: wrong password?")
    except urllib.error.HTTPError as error:
        if error.code != 302:
            raise RuntimeError(f"Signing in as {username} answered {error.code}.") from None
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"Signing in as {username} set no session cookie.")
    return Session(username, cookies["sessionid"], cookies["csrftoken"])


# Measuring -------------------------------------------------------------------------------------


def test_client(session: Session):
    """Django's test client in this process, carrying `session`'s cookies (the same session)."""
    from django.test import Client

    client = Client()
    client.cookies["sessionid"] = session.sessionid
    client.cookies["csrftoken"] = session.csrftoken
    return client


def count_queries(request: Callable[[], object], check: Callable[[object], None]) -> int:
    """Queries of one request (after a first one, so per-process caches are warm)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    check(request())
    with CaptureQueriesContext(connection) as captured:
        check(request())
    return len(captured.captured_queries)


def expect_status(status: int) -> Callable[[object], None]:
    def check(response) -> None:
        if response.status_code != status:
            raise RuntimeError(f"{response.request['PATH_INFO']} answered {response.status_code}, not {status}")

    return check


class Harness:
    def __init__(self, args: argparse.Namespace, server: Server, out: Path):
        self.args, self.server, self.out = args, server, out
        self.sessions: dict[str, Session] = {}
        self.takers: list[tuple[Session, int, int, str, str]] = []  # session, attempt, position, key, other key
        self.ids = _loaddata.representative_ids()

    def wrk(self, path: str, *, script: str = "get.lua", seconds: float, **kwargs) -> _wrk.WrkResult:
        try:
            return _wrk.run(
                f"{self.server.base}{path}",
                script=script,
                seconds=seconds,
                connections=self.args.connections,
                threads=self.args.threads,
                **kwargs,
            )
        finally:
            self.server.drain()

    def sign_in_everyone(self, pages: list[Page]) -> None:
        users = {page.user for page in pages if page.user != "takers"}
        for username in sorted(users):
            self.sessions[username] = sign_in(self.server.base, username)
        if any(page.user == "takers" for page in pages):
            assessment = _loaddata.assessment_id()
            for username in _loaddata.TAKERS:
                session = sign_in(self.server.base, username)
                # The start page resumes the open attempt (or starts one) and notes its deadline in
                # the session, as for a real taker.
                status, location = session.post(self.server.base, f"/assessments/{assessment}/start/", {})
                found = re.search(r"/assessments/attempt/(\d+)/$", location)
                if status != 302 or found is None:
                    raise RuntimeError(f"Starting the bench assessment as {username}: {status} {location!r}")
                attempt = int(found.group(1))
                self.takers.append((session, attempt, *_loaddata.attempt_answers(attempt)))

    def measure_get(self, page: Page, path: str) -> Row:
        session = self.sessions[page.user]
        client = test_client(session)
        queries = count_queries(lambda: client.get(path), expect_status(200))
        headers = (f"Cookie: {session.cookie}",)
        self.wrk(path, seconds=self.args.warmup, headers=headers)
        return Row(page, self.wrk(path, seconds=self.args.seconds, headers=headers), queries)

    def measure_approve(self, page: Page, bare_rate: float) -> Row:
        session = self.sessions[page.user]
        # Enough submitted items for the warm-up and the run at the bare view's rate, and then some.
        warm = int(bare_rate * self.args.warmup * 1.5) + 100
        timed = int(bare_rate * self.args.seconds * 1.5) + 200
        pool = _loaddata.approval_pool(2 + warm + timed)
        client = test_client(session)
        pending = iter(pool[:2])

        def approve():
            return client.post(f"/idp/{next(pending)}/approve/", {"approve-comment": "Approved by the load harness"})

        queries = count_queries(approve, expect_status(302))
        if _loaddata.approved_count(pool[:2]) != 2:
            raise RuntimeError("The approval POST through the test client approved nothing.")
        files = []
        for name, ids in (("warm", pool[2 : 2 + warm]), ("timed", pool[2 + warm :])):
            path = self.out / f"approve-{name}.txt"
            path.write_text("".join(f"{pk}\n" for pk in ids))
            files.append((path, ids))
        headers = (f"Cookie: {session.cookie}",)
        for (path, _ids), seconds in zip(files, (self.args.warmup, self.args.seconds), strict=True):
            result = self.wrk(
                "/idp/approve",
                script="approve.lua",
                seconds=seconds,
                headers=headers,
                script_args=(str(path), str(self.args.threads), session.csrftoken),
            )
        timed_ids = files[1][1]
        approved = _loaddata.approved_count(timed_ids)
        row = Row(page, result, queries)
        # wrk counts the answers it read; the requests in flight when it stopped are answered
        # afterwards, so a few more items than requests end up approved.
        row.notes.append(f"{approved} items approved, {result.requests} answers counted (pool of {len(timed_ids)})")
        if approved >= len(timed_ids):
            row.notes.append("the pool ran out: the rate is an underestimate")
        if approved < result.requests:
            row.notes.append("fewer approvals than requests: some POSTs decided nothing")
        return row

    def measure_autosave(self, page: Page) -> Row:
        session, attempt, position, key, other = self.takers[0]
        client = test_client(session)
        keys = iter([key, other, key, other])

        def autosave():
            return client.post(
                f"/assessments/attempt/{attempt}/answer/",
                {"shown": str(position), f"q{position}": next(keys)},
                headers={"Accept": "application/json"},
            )

        def saved_one(response) -> None:
            expect_status(200)(response)
            if response.json().get("saved") != 1:
                raise RuntimeError(f"The autosave changed nothing: {response.content!r}")

        queries = count_queries(autosave, saved_one)
        path = self.out / "autosave-takers.txt"
        lines = []
        for taker, attempt, *_ in self.takers:
            # Read again: the test client's requests above changed the first taker's answer.
            position, key, other = _loaddata.attempt_answers(attempt)
            lines.append(f"{attempt} {position} {key} {other} {taker.sessionid} {taker.csrftoken}\n")
        path.write_text("".join(lines))
        args = (str(path), str(self.args.threads))
        self.wrk("/autosave", script="autosave.lua", seconds=self.args.warmup, script_args=args)
        result = self.wrk("/autosave", script="autosave.lua", seconds=self.args.seconds, script_args=args)
        row = Row(page, result, queries)
        row.notes.append(f"{len(self.takers)} takers, each request changes one answer")
        return row

    def path_of(self, page: Page) -> str:
        return {
            "bare": "/bench/bare/",
            "gap": "/gap/",
            "history": "/gap/history/",
            "competency": f"/gap/competency/{self.ids['competency']}/",
            "idp": "/idp/",
            "career": "/career/",
            "learning": "/learning/",
            "self": "/self-assessment/",
            "assessments": "/assessments/",
            "notifications": "/notifications/",
            "team": "/gap/team/",
            "report_gap": f"/gap/{self.ids['employee']}/",
            "report_plan": f"/idp/employee/{self.ids['employee']}/",
            "approvals": "/idp/approvals/",
            "reports": "/reports/",
        }[page.name]

    def bare_again(self, page: Page) -> _wrk.WrkResult:
        """The bare view once more, right after a page: the machine's speed drifts by a fifth
        within minutes (other tenants of the host), so each page is compared with the bare
        runs on either side of it."""
        session = self.sessions[page.user]
        seconds = self.args.bare_seconds
        return self.wrk(self.path_of(page), seconds=seconds, headers=(f"Cookie: {session.cookie}",))

    def measure(self, page: Page, bare_rate: float) -> Row:
        if page.name == "approve":
            return self.measure_approve(page, bare_rate)
        if page.name == "autosave":
            return self.measure_autosave(page)
        return self.measure_get(page, self.path_of(page))


# Reporting -------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or ""
    try:
        model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
        cpu = model.group(1) if model else cpu
    except OSError:
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {
        "cpu": f"{os.cpu_count()} × {cpu}".strip(),
        "python": platform.python_version(),
        "postgres": postgres,
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False).stdout.split(" [")[0],  # noqa: S607
    }


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=PROJECT, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603, S607

    sha = git("rev-parse", "--short", "HEAD") or "unknown"
    return sha + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def busy_warning(meta: dict) -> list[str]:
    """A warning line when other work shared the cores before the run: the rates then say more
    about the machine. Only the load before counts: the run itself (wrk, five workers and
    PostgreSQL on two cores) brings the load average to about 5, whatever else runs."""
    before = float(meta["load_before"].split(" / ")[0])
    cores = os.cpu_count() or 1
    if before <= cores:
        return []
    return [
        f"- **The machine was busy** before the run (load average {before:.1f} on {cores} cores): other work "
        "took CPU from the server, so these figures are below a quiet run's and the ratios are noisy."
    ]


def render(rows: list[Row], meta: dict) -> str:
    from django.conf import settings

    def yes_no(met: bool | None) -> str:
        return "" if met is None else ("yes" if met else "**no**")

    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/load.py`; how it measures: `bench/README.md`). Do not edit by hand.",
        "",
        f"- Date: {meta['date']}; commit {meta['commit']}",
        f"- Machine: {meta['machine']['cpu']}; Python {meta['machine']['python']}, "
        f"PostgreSQL {meta['machine']['postgres']}, {meta['machine']['wrk']}",
        f"- Load average (1 / 5 / 15 min): {meta['load_before']} before, {meta['load_after']} after",
        f"- Data: {meta['data']}",
        *busy_warning(meta),
        f"- Served by gunicorn {meta['gunicorn']}, {meta['workers']} sync workers, production settings "
        f"(DEBUG off, CONN_MAX_AGE={settings.DATABASES['default']['CONN_MAX_AGE']}); "
        f"wrk on loopback, {meta['connections']} connections in {meta['threads']} threads, "
        f"{meta['warmup']:g} s warm-up then {meta['seconds']:g} s per page",
        f"- Yardstick: the bare view, measured first and again after every page "
        f"({min(meta['bare_rates']):.0f} to {max(meta['bare_rates']):.0f} req/s, {meta['bare']:.0f} on average); "
        'each page\'s ratio is to the mean of the bare runs just before and after it (column "bare")',
        "",
        "| page | req/s | bare | ratio | p50 ms | p95 ms | p99 ms | queries | target | met? |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        r = row.result
        rate = f"{r.rate:.0f}" if r.rate >= 10 else f"{r.rate:.1f}"
        lines.append(
            f"| {row.page.label} | {rate} | {row.yardstick:.0f} | {row.ratio:.2f} "
            f"| {r.p50_ms:.1f} | {r.p95_ms:.1f} | {r.p99_ms:.1f} "
            f"| {'' if row.queries is None else row.queries} | {TARGETS.get(row.page.target, '')} | {yes_no(row.met)} |"
        )
    notes = [(row, note) for row in rows for note in row.notes]
    errors = [row for row in rows if row.result.errors or not row.result.requests]
    if notes or errors:
        lines.append("")
    for row, note in notes:
        lines.append(f"- {row.page.label}: {note}.")
    for row in errors:
        lines.append(
            f"- {row.page.label}: **{row.result.requests} requests answered, {row.result.bad_status} of them "
            f"other than 2xx/3xx, {row.result.socket_errors} socket errors or timeouts**."
        )
    lines += [
        "",
        "Queries: one request's, through Django's test client in the harness, with the same session and "
        "database, after one request to warm the caches. Latencies are wrk's, at the client.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    names = [page.name for page in PAGES]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="timed run per page (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up per page (default 2)")
    parser.add_argument("--bare-seconds", type=float, default=4, help="the bare view's run after each page (default 4)")
    parser.add_argument("--only", default="", help=f"comma-separated pages among {','.join(names)} (bare always runs)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=5, help="gunicorn sync workers (default 5)")
    parser.add_argument("--port", type=int, default=8031)
    parser.add_argument("--employees", type=int, default=EMPLOYEES, help="size of the data set (default 10,000)")
    parser.add_argument("--rebuild", action="store_true", help="build the data set even when it is current")
    parser.add_argument(
        "--out", type=Path, help="the Markdown report (default docs/benchmarks.md; bench/out/load.md with --only)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(names)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    pages = [page for page in PAGES if not only or page.name in only or page.name == "bare"]
    out_md = args.out or (_benchdb.OUT / "load.md" if only else DOCS)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk).")

    started = time.monotonic()
    load_before = loadavg()
    say(f"load average {load_before}")
    _benchdb.OUT.mkdir(parents=True, exist_ok=True)
    static_root = Path(tempfile.mkdtemp(prefix="hrportal-bench-static-"))
    os.environ.update(production_env(static_root))
    _benchdb.setup_django()
    from django.core.management import call_command

    data = _loaddata.ensure_data(employees=args.employees, rebuild=args.rebuild, say=say)
    say(f"data {data}")
    summary = _loaddata.report_summary_ready()
    say(f"report summary {summary}")
    call_command("collectstatic", interactive=False, verbosity=0)
    server = Server(port=args.port, workers=args.workers, log=_benchdb.OUT / "gunicorn.log")
    rows: list[Row] = []
    try:
        server.start()
        say(f"gunicorn up on {server.base}")
        harness = Harness(args, server, _benchdb.OUT)
        harness.sign_in_everyone(pages)
        bare_page = pages[0]
        first = harness.measure(bare_page, 0)
        say(f"{bare_page.name}: {first.result.rate:.0f} req/s, p99 {first.result.p99_ms:.1f} ms")
        bare_rates = [first.result.rate]
        for page in pages[1:]:
            row = harness.measure(page, first.result.rate)
            rows.append(row)
            bare_rates.append(harness.bare_again(bare_page).rate)
            row.yardstick = (bare_rates[-2] + bare_rates[-1]) / 2
            say(
                f"{page.name}: {row.result.rate:.0f} req/s, p99 {row.result.p99_ms:.1f} ms, {row.queries} queries; "
                f"bare view after it {bare_rates[-1]:.0f} req/s"
            )
    finally:
        server.stop()
        shutil.rmtree(static_root, ignore_errors=True)
    bare_rate = sum(bare_rates) / len(bare_rates)
    bare_row = Row(
        bare_page,
        first.result,
        first.queries,
        yardstick=bare_rate,
        notes=[
            f"the row is its first run; after each page it ran again for {args.bare_seconds:g} s: "
            f"{min(bare_rates):.0f} to {max(bare_rates):.0f} req/s, {bare_rate:.0f} on average"
        ],
    )
    rows.insert(0, bare_row)
    for row in rows:
        row.ratio = row.result.rate / row.yardstick if row.yardstick else 0.0
    from importlib.metadata import version

    meta = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit(),
        "machine": machine(),
        "load_before": load_before,
        "load_after": loadavg(),
        "data": f"{data}; the report's summary {summary}",
        "gunicorn": version("gunicorn"),
        "workers": args.workers,
        "connections": args.connections,
        "threads": args.threads,
        "warmup": args.warmup,
        "seconds": args.seconds,
        "bare_rates": bare_rates,
        "bare": bare_rate,
        "elapsed_s": round(time.monotonic() - started),
    }
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_md.write_text(render(rows, meta))
    (_benchdb.OUT / "load.json").write_text(
        json.dumps(
            {
                "meta": meta,
                "rows": [
                    {
                        "page": row.page.name,
                        "ratio": row.ratio,
                        "yardstick": row.yardstick,
                        "rate": row.result.rate,
                        "queries": row.queries,
                        "met": row.met,
                        "notes": row.notes,
                        **asdict(row.result),
                    }
                    for row in rows
                ],
            },
            indent=2,
        )
    )
    print(render(rows, meta))
    say(
        f"wrote {out_md.relative_to(PROJECT) if out_md.is_relative_to(PROJECT) else out_md} "
        f"in {meta['elapsed_s']} s; load average {meta['load_after']}"
    )
    if args.check and any(row.met is False for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
