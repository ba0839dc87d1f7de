"""Running wrk and reading its figures (bench/load.py). No Django here, so a test can import it alone.

wrk's own summary rounds its figures and has no p95, so every script under bench/wrk/ ends a
run with one line from report.lua:

    BENCH-RESULT requests=4521 duration_us=10003187 connect=0 read=0 write=0 status=0 timeout=0
        p50_us=15320 p75_us=… p90_us=… p95_us=… p99_us=41210 mean_us=17001 max_us=80420

(one line; latencies in microseconds). `parse` reads it.
"""

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

WRK_DIR = Path(__file__).resolve().parent / "wrk"
_LINE = re.compile(r"^BENCH-RESULT (?P<fields>.+)$", re.MULTILINE)
_FIELDS = (
    "requests",
    "duration_us",
    "connect",
    "read",
    "write",
    "status",
    "timeout",
    "p50_us",
    "p75_us",
    "p90_us",
    "p95_us",
    "p99_us",
    "mean_us",
    "max_us",
)


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    socket_errors: int  # connect, read, write and timeout errors together
    bad_status: int  # responses other than 2xx or 3xx

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.socket_errors + self.bad_status


def parse(output: str) -> WrkResult:
    """The figures of one wrk run from its output; ValueError when report.lua's line is missing or damaged."""
    match = _LINE.search(output)
    if match is None:
        raise ValueError(f"wrk printed no BENCH-RESULT line:\n{output}")
    values: dict[str, int] = {}
    for pair in match.group("fields").split():
        name, _, value = pair.partition("=")
        if name in _FIELDS:
            try:
                values[name] = int(value)
            except ValueError:
                raise ValueError(f"wrk's BENCH-RESULT line has {name}={value!r}") from None
    missing = [name for name in _FIELDS if name not in values]
    if missing:
        raise ValueError(f"wrk's BENCH-RESULT line lacks {', '.join(missing)}: {match.group(0)}")

    def ms(name: str) -> float:
        return values[name] / 1000

    return WrkResult(
        requests=values["requests"],
        seconds=values["duration_us"] / 1_000_000,
        p50_ms=ms("p50_us"),
        p75_ms=ms("p75_us"),
        p90_ms=ms("p90_us"),
        p95_ms=ms("p95_us"),
        p99_ms=ms("p99_us"),
        mean_ms=ms("mean_us"),
        max_ms=ms("max_us"),
        socket_errors=values["connect"] + values["read"] + values["write"] + values["timeout"],
        bad_status=values["status"],
    )


def run(
    url: str,
    *,
    script: str,
    seconds: float,
    connections: int,
    threads: int,
    headers: tuple[str, ...] = (),
    script_args: tuple[str, ...] = (),
    timeout_s: int = 10,
) -> WrkResult:
    """One wrk run of `seconds` against `url` with bench/wrk/`script`; its figures."""
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        f"--timeout={timeout_s}s",
        f"--script={WRK_DIR / script}",
    ]
    for header in headers:
        command += ["--header", header]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    completed = subprocess.run(  # noqa: S603 - our own fixed command
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "BENCH_WRK_DIR": str(WRK_DIR)},
        timeout=seconds + 60,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    return parse(completed.stdout)
