#!/usr/bin/env python3
"""The measurements behind `make bench` (scripts/bench.sh builds the binaries, then runs this).

Prints the Markdown table of docs/performance.md. Every figure is the median of several runs.
Tools: wrk (Debian), /usr/bin/time -v, curl-free raw sockets for the cold-start poll, the release
binaries `gatecheck` and `gatecheck-bench`. Generated suites and reports go to a temporary directory.

Environment: BENCH_QUICK=1 for a faster, rougher run (fewer and shorter runs);
BENCH_KEEP=1 keeps the temporary directory (its path is printed).
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    print(f"bench: error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get_status(port: int, path: str, timeout: float = 1.0) -> int | None:
    """One GET over a fresh connection; the status code, or None if nothing answered."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            match = re.match(rb"HTTP/1\.[01] (\d{3})", data)
            return int(match.group(1)) if match else None
    except OSError:
        return None


def wait_or_kill(process: subprocess.Popen, timeout: float = 10) -> None:
    """Waits for a process that was asked to stop; kills it when it has not ended within `timeout` seconds."""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine_summary() -> dict[str, str]:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "unknown"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "cpu": model, "memory": memory}


def load_average() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def proc_rss_kb(pid: int) -> int | None:
    """VmRSS of a live process, in KiB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def children_of(pid: int) -> list[int]:
    """Child processes of `pid`, whichever of its threads started them."""
    children: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    for thread in threads:
        try:
            with open(f"/proc/{pid}/task/{thread}/children") as f:
                children += [int(p) for p in f.read().split()]
        except OSError:
            continue
    return children


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU time of `pid` and all its live descendants, in seconds (from /proc/PID/stat)."""
    total, pending, ticks = 0.0, [pid], os.sysconf("SC_CLK_TCK")
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
        pending += children_of(current)
    return total


def parse_time_v(path: str) -> tuple[int | None, int | None]:
    """(max RSS in KiB, exit status) from a `/usr/bin/time -v -o path` report."""
    rss = status = None
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("Maximum resident set size"):
                    rss = int(line.rsplit(":", 1)[1])
                elif line.startswith("Exit status"):
                    status = int(line.rsplit(":", 1)[1])
    except OSError:
        pass
    return rss, status


# --------------------------------------------------------------------------------------------
# The emulator process


class Emulator:
    """`gatecheck emulate` on a free port, optionally under `/usr/bin/time -v`. With `request_log` (a file path) it
    runs with default flags, its request log redirected to that file as a user's `> emulate.log` would; without, it
    runs `--quiet`."""

    def __init__(self, gatecheck: str, api: str, backends: str | None, timed: str | None = None,
                 request_log: str | None = None):
        self.port = free_port()
        command = [gatecheck, "emulate", "--api", api, "--port", str(self.port)]
        if request_log is None:
            command.append("--quiet")
        if backends:
            command += ["--backends", backends]
        if timed:
            command = ["/usr/bin/time", "-v", "-o", timed] + command
        self.timed = timed
        self.request_log = request_log
        self.started = time.perf_counter()
        stdout = open(request_log, "w") if request_log else subprocess.PIPE
        self.process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, text=True)
        if request_log:
            stdout.close()

    @property
    def emulator_pid(self) -> int:
        """The gatecheck process itself (the child of /usr/bin/time when timed)."""
        if not self.timed:
            return self.process.pid
        for _ in range(200):
            kids = children_of(self.process.pid)
            if kids:
                return kids[0]
            time.sleep(0.01)
        fail("cannot find the emulator process under /usr/bin/time")
        raise AssertionError

    def wait_ready(self, path: str) -> None:
        """Waits for the start-up line (printed after handler workers are warm), then for `path` to answer."""
        if self.request_log:
            line, deadline = "", time.monotonic() + 10
            while "Ctrl-C to stop" not in line and time.monotonic() < deadline and self.process.poll() is None:
                with open(self.request_log) as f:
                    line = f.readline()
                time.sleep(0.005)
        else:
            line = self.process.stdout.readline() if self.process.stdout else ""
        if "Ctrl-C to stop" not in line:
            rest = self.process.stderr.read() if self.process.stderr else ""
            fail(f"the emulator did not start: {line}{rest}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if http_get_status(self.port, path) is not None:
                return
            time.sleep(0.01)
        fail(f"the emulator on port {self.port} does not answer {path}")

    def stop(self) -> None:
        pid = self.emulator_pid
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        wait_or_kill(self.process)


# --------------------------------------------------------------------------------------------
# 1. cold start


def cold_start_ms(gatecheck: str, api: str, backends: str, path: str) -> float:
    """From spawning the process to the first 200 on `path`, polling in a tight loop."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([gatecheck, "emulate", "--api", api, "--backends", backends,
                                "--port", str(port), "--quiet"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = started + 10
        while time.perf_counter() < deadline:
            if http_get_status(port, path, timeout=0.5) == 200:
                return (time.perf_counter() - started) * 1000
            if process.poll() is not None:
                fail(f"the emulator exited with status {process.returncode} during the cold-start run")
        fail("the emulator did not answer within 10 s")
        raise AssertionError
    finally:
        process.send_signal(signal.SIGTERM)
        wait_or_kill(process)


# --------------------------------------------------------------------------------------------
# 2. wrk


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int          # socket errors (connect/read/write/timeout)
    non_2xx: int


def to_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unexpected wrk duration '{text}'")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, connections: int, seconds: int) -> WrkResult:
    threads = min(2, connections)  # wrk needs at least one connection per thread
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    def grab(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output)
        if not match:
            fail(f"cannot read '{pattern}' in wrk's output:\n{output}")
        return match  # type: ignore[return-value]
    rps = float(grab(r"Requests/sec:\s+([\d.]+)").group(1))
    p50 = to_ms(grab(r"\n\s+50%\s+(\S+)").group(1))
    p99 = to_ms(grab(r"\n\s+99%\s+(\S+)").group(1))
    requests = int(grab(r"(\d+) requests in").group(1))
    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors = sum(int(x) for x in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(rps, p50, p99, requests, errors, int(non_2xx.group(1)) if non_2xx else 0)


@dataclass
class RouteFigures:
    label: str
    by_connections: dict[int, list[WrkResult]] = field(default_factory=dict)

    def med(self, connections: int, attribute: str) -> float:
        return median([getattr(r, attribute) for r in self.by_connections.get(connections, [])])


# --------------------------------------------------------------------------------------------
# 2b. issue 23's goals: the emulator with default flags beside nginx, measured in the same run


SIDE_BY_SIDE_ROUTES = [
    # (label, path, expected status, measure p50 at 1 conn against the 2x goal, req/s goal at 64 conn)
    ("MOCK + VTL", "/test/mock?id=42", 200, True, "ratio"),
    ("Lambda non-proxy, scripted backend", "/test/scripted?id=42", 200, True, None),
    ("unknown route (403)", "/test/no/such/route", 403, True, None),
    ("Lambda proxy, warm Python handler", "/test/python-proxy", 200, False, "absolute"),
]


def side_by_side(gatecheck: str, api: str, backends: str, work: str, runs: int, wrk_seconds: int,
                 cold_ms: float) -> str:
    """nginx (one worker, the runner's static JSON document) is measured before and after one `gatecheck emulate`
    with default flags (request log on, redirected to a file); each figure is a median of `runs` wrk runs, nginx's
    the median of both passes. Returns the Markdown section with the ratios and issue 23's verdicts."""
    def measure(url: str, connections: int) -> list[WrkResult]:
        return [run_wrk(url, connections, wrk_seconds) for _ in range(runs)]

    nginx = RunnerNginx(work)
    try:
        log(f"side by side: nginx, 1 and 64 connections ({runs} x {wrk_seconds}s each)")
        nginx_url = nginx.base_url + "/item.json"
        nginx_runs = {c: measure(nginx_url, c) for c in (1, 64)}
        request_log = os.path.join(work, "emulate-default-flags.log")
        emulator = Emulator(gatecheck, api, backends, request_log=request_log)
        try:
            emulator.wait_ready("/test/mock")
            base = f"http://127.0.0.1:{emulator.port}"
            ours: dict[str, dict[int, list[WrkResult]]] = {}
            for label, path, status, _, _ in SIDE_BY_SIDE_ROUTES:
                got = http_get_status(emulator.port, path)
                if got != status:
                    fail(f"side by side: {label}: GET {path} answered {got}, expected {status}")
                ours[label] = {}
                for connections in (1, 64):
                    log(f"side by side: emulate (default flags) {label}, {connections} connection(s)")
                    results = measure(base + path, connections)
                    for r in results:
                        if r.errors:
                            fail(f"side by side: {label}: wrk saw {r.errors} socket errors at {connections} connections")
                    ours[label][connections] = results
        finally:
            emulator.stop()
        with open(request_log) as f:
            log_lines = sum(1 for _ in f)
        log(f"side by side: nginx again")
        for c in (1, 64):
            nginx_runs[c] += measure(nginx_url, c)
    finally:
        nginx.stop()

    def med(results: list[WrkResult], attribute: str) -> float:
        return median([getattr(r, attribute) for r in results])

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    n1_p50, n64_rps = med(nginx_runs[1], "p50_ms"), med(nginx_runs[64], "requests_per_second")
    n1_rps, n64_p99 = med(nginx_runs[1], "requests_per_second"), med(nginx_runs[64], "p99_ms")
    rows = [
        f"nginx {nginx_version()}, 1 worker, static JSON ({len(RUNNER_DOCUMENT)} B), measured before and after the emulator: "
        f"1 conn {fmt(n1_rps, 0)} req/s, p50 {fmt(n1_p50 * 1000, 0)} µs; 64 conn {fmt(n64_rps, 0)} req/s, p99 {fmt(n64_p99, 2)} ms. "
        f"`gatecheck emulate --api bench/api.yaml --backends bench/backends.yaml` with default flags "
        f"(request log on, stdout redirected to a file: {log_lines:,} lines).",
        "",
        "| route | connections | gatecheck emulate (default flags) | nginx | ratio | issue 23 goal | met? |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, _, _, latency_goal, throughput_goal in SIDE_BY_SIDE_ROUTES:
        one, many = ours[label][1], ours[label][64]
        p50 = med(one, "p50_ms")
        ratio = p50 / n1_p50 if n1_p50 else float("inf")
        goal, met = ("p50 <= 2x nginx", verdict(ratio <= 2)) if latency_goal else ("", "")
        rows.append(f"| {label} | 1 | p50 {fmt(p50 * 1000, 0)} µs ({fmt(med(one, 'requests_per_second'), 0)} req/s) | "
                    f"p50 {fmt(n1_p50 * 1000, 0)} µs | {fmt(ratio, 1)}x | {goal} | {met} |")
        rps, p99 = med(many, "requests_per_second"), med(many, "p99_ms")
        rps_ratio = rps / n64_rps if n64_rps else 0
        goal, met = "", ""
        if throughput_goal == "ratio":
            goal, met = ">= 0.35x nginx req/s, p99 <= 10 ms", verdict(rps_ratio >= 0.35 and p99 <= 10)
        elif throughput_goal == "absolute":
            goal, met = ">= 10,000 req/s", verdict(rps >= 10_000)
        rows.append(f"| {label} | 64 | {fmt(rps, 0)} req/s, p99 {fmt(p99, 2)} ms | {fmt(n64_rps, 0)} req/s | "
                    f"{fmt(rps_ratio, 2)}x | {goal} | {met} |")
    rows.append(f"| cold start to first answer | | {fmt(cold_ms, 1)} ms | | | <= 50 ms | {verdict(cold_ms <= 50)} |")
    return "\n".join(rows)


# --------------------------------------------------------------------------------------------
# 3. runner


def generate_suites(directory: str, suites: int, cases_per_suite: int, api: str) -> None:
    for s in range(suites):
        lines = [
            f"name: bench-{s:02d}",
            "description: generated by bench/run_bench.py (runner throughput)",
            f"api: {api}",
            "cases:",
        ]
        for c in range(cases_per_suite):
            ident = s * cases_per_suite + c
            lines += [
                f"  - name: case {c:04d}",
                f"    request: {{ path: /mock, query: {{ id: \"{ident}\" }} }}",
                "    expect:",
                "      status: 200",
                "      headers: { X-Bench: mock, Content-Type: application/json }",
                f"      body: {{ jsonPath: {{ \"$.id\": \"{ident}\", \"$.stage\": test }} }}",
            ]
        with open(os.path.join(directory, f"bench-{s:02d}.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")


@dataclass
class RunnerRun:
    seconds: float
    rss_kb: int | None


# --------------------------------------------------------------------------------------------
# Runner benchmark (issue 23): `gatecheck run` against nginx and against the embedded emulator, with nginx's own
# throughput under wrk from the same run as the yardstick. Self-contained: main() calls runner_benchmark() only.

# The static document nginx serves and every generated case asserts in full.
RUNNER_DOCUMENT = ('{"id": 42, "name": "widget", "price": 9.5, "tags": ["a", "b"], '
                   '"stock": {"warehouse": "eu-west-1", "count": 7}, "active": true}')


class RunnerNginx:
    """nginx with one worker on a free loopback port, serving RUNNER_DOCUMENT as /item.json (keep-alive on).
    Its access log records each request's connection serial number, so connection reuse can be counted."""

    def __init__(self, work: str):
        self.prefix = os.path.join(work, "nginx")
        os.makedirs(os.path.join(self.prefix, "html"), exist_ok=True)
        # Started as root, nginx's worker runs as nobody: it must be able to reach the document.
        for directory in (work, self.prefix, os.path.join(self.prefix, "html")):
            os.chmod(directory, 0o755)
        with open(os.path.join(self.prefix, "html", "item.json"), "w") as f:
            f.write(RUNNER_DOCUMENT)
        self.port = free_port()
        self.access_log = os.path.join(self.prefix, "access.log")
        config = os.path.join(self.prefix, "nginx.conf")
        with open(config, "w") as f:
            f.write(f"""
worker_processes 1;
daemon off;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    types {{ application/json json; }}
    default_type application/octet-stream;
    log_format conn "$connection";
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path {self.prefix}/tmp; proxy_temp_path {self.prefix}/tmp; fastcgi_temp_path {self.prefix}/tmp;
    uwsgi_temp_path {self.prefix}/tmp; scgi_temp_path {self.prefix}/tmp;
    server {{
        listen 127.0.0.1:{self.port};
        root {self.prefix}/html;
        location /logged/ {{ access_log {self.access_log} conn; alias {self.prefix}/html/; }}
    }}
}}
""")
        self.process = subprocess.Popen(["nginx", "-e", os.path.join(self.prefix, "error.log"), "-p", self.prefix, "-c", config],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 10
        while http_get_status(self.port, "/item.json") != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                log_tail = open(os.path.join(self.prefix, "error.log")).read()[-1500:] if os.path.exists(os.path.join(self.prefix, "error.log")) else ""
                fail(f"nginx did not serve /item.json: {log_tail}")
            time.sleep(0.02)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connections_logged(self) -> tuple[int, int]:
        """(requests, distinct connections) in the access log of /logged/ (nginx writes it as each request ends)."""
        try:
            with open(self.access_log) as f:
                serials = f.read().split()
        except OSError:
            return 0, 0
        return len(serials), len(set(serials))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGQUIT)  # graceful: the access log is flushed
        wait_or_kill(self.process)


def generate_nginx_suites(directory: str, suites: int, cases_per_suite: int, path: str) -> None:
    """GET cases against nginx's static document: status, Content-Type and the whole JSON body."""
    os.makedirs(directory, exist_ok=True)
    for s in range(suites):
        lines = [f"name: nginx-{s:02d}", "description: generated by bench/run_bench.py (runner against nginx)", "cases:"]
        for c in range(cases_per_suite):
            lines += [
                f"  - name: case {c:04d}",
                f"    request: {{ path: {path}, query: {{ case: \"{s * cases_per_suite + c}\" }} }}",
                "    expect:",
                "      status: 200",
                "      headers: { Content-Type: application/json }",
                f"      body: {{ json: {RUNNER_DOCUMENT} }}",
            ]
        with open(os.path.join(directory, f"nginx-{s:02d}.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")


def run_gatecheck_suites(gatecheck: str, suites_dir: str, work: str, expected_cases: int, extra: list[str]) -> RunnerRun:
    """One `gatecheck run` under /usr/bin/time -v: wall time (process start to exit) and peak RSS; fails the
    benchmark unless every case passed."""
    junit = os.path.join(work, "runner-junit.xml")
    timing = os.path.join(work, "runner-time.txt")
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v", "-o", timing, gatecheck, "run", suites_dir, "--junit", junit] + extra,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        fail(f"gatecheck run {' '.join(extra)} exited with status {result.returncode}: {result.stderr[-2000:]}")
    with open(junit) as f:
        head = f.read(4096)
    match = re.search(r'<testsuites[^>]*\btests="(\d+)"', head)
    if not match or int(match.group(1)) != expected_cases:
        fail(f"the runner reported {match.group(1) if match else 'no'} cases, expected {expected_cases}")
    rss, _ = parse_time_v(timing)
    return RunnerRun(seconds, rss)


def runner_benchmark(gatecheck: str, work: str, quick: bool) -> str:
    """Measures the runner (issue 23 goals) and returns its Markdown section: cases/s against nginx with the
    default flags and with more suites in flight, nginx's own req/s under wrk at the same concurrency (the
    ratio), connections used, cases/s against the embedded emulator, and peak RSS for 20,000 cases."""
    runs = 1 if quick else 3
    wrk_seconds = 2 if quick else 3
    jobs_default = os.cpu_count() or 1
    jobs_wide = 8
    began = time.monotonic()
    load_before = load_average()
    rows = ["| # | figure | gatecheck | nginx, same run | ratio | target | met? |", "|---|---|---|---|---|---|---|"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    nginx = RunnerNginx(work)
    try:
        nginx_dir = os.path.join(work, "runner-nginx")
        generate_nginx_suites(nginx_dir, 20, 100, "/item.json")
        target = ["--target", nginx.base_url]
        for jobs in (jobs_default, jobs_wide):
            log(f"runner: 2,000 cases against nginx, --jobs {jobs} ({runs} runs)")
            flags = [] if jobs == jobs_default else ["--jobs", str(jobs)]
            timed = [run_gatecheck_suites(gatecheck, nginx_dir, work, 2_000, target + flags) for _ in range(runs)]
            seconds = median([r.seconds for r in timed])
            log(f"wrk against nginx, {jobs} connections ({runs} x {wrk_seconds}s)")
            wrk = median([run_wrk(nginx.base_url + "/item.json", jobs, wrk_seconds).requests_per_second for _ in range(runs)])
            label = f"2,000 GET cases in 20 suites against nginx ({'default flags, ' if not flags else ''}--jobs {jobs}): status + Content-Type + whole JSON body"
            cps = 2_000 / seconds
            rows.append(f"| R1 | {label} | {fmt(cps, 0)} cases/s ({fmt(seconds, 3)} s wall, process start to exit) | "
                        f"{fmt(wrk, 0)} req/s (wrk, {jobs} conn) | {fmt(cps / wrk, 2)}x | >= 10,000 cases/s | {verdict(cps >= 10_000)} |")
        # Connection reuse: the same suites against the logged location; nginx numbers each connection.
        logged_dir = os.path.join(work, "runner-nginx-logged")
        generate_nginx_suites(logged_dir, 20, 100, "/logged/item.json")
        run_gatecheck_suites(gatecheck, logged_dir, work, 2_000, target)
    finally:
        nginx.stop()
    requests, connections = nginx.connections_logged()
    rows.append(f"| R2 | connections opened for those 2,000 requests (nginx's access log, default flags) | {connections:,} connections for {requests:,} requests | | | "
                f"at most one per suite in flight | {verdict(0 < connections <= jobs_default and requests == 2_000)} |")

    emulator_dir = os.path.join(work, "runner-emulator")
    os.makedirs(emulator_dir)
    generate_suites(emulator_dir, 20, 500, os.path.join(BENCH_DIR, "mock-api.yaml"))
    log(f"runner: 10,000 cases against the embedded emulator ({runs} runs)")
    timed = [run_gatecheck_suites(gatecheck, emulator_dir, work, 10_000, []) for _ in range(runs)]
    seconds = median([r.seconds for r in timed])
    rows.append(f"| R3 | 10,000 cases in 20 suites, embedded emulator (MOCK + VTL; status, 2 headers, 2 JSONPath) | "
                f"{fmt(10_000 / seconds, 0)} cases/s ({fmt(seconds, 2)} s wall) | | | >= 10,000 cases/s | {verdict(10_000 / seconds >= 10_000)} |")

    big_dir = os.path.join(work, "runner-emulator-20k")
    os.makedirs(big_dir)
    generate_suites(big_dir, 40, 500, os.path.join(BENCH_DIR, "mock-api.yaml"))
    log("runner: 20,000 cases against the embedded emulator, peak RSS")
    big = run_gatecheck_suites(gatecheck, big_dir, work, 20_000, [])
    rss_mb = (big.rss_kb or 0) / 1024
    rows.append(f"| R4 | peak RSS, 20,000 cases in 40 suites, embedded emulator (`time -v`) | {fmt(rss_mb, 1)} MB "
                f"({fmt(20_000 / big.seconds, 0)} cases/s) | | | <= 100 MB | {verdict(0 < rss_mb <= 100)} |")

    machine = machine_summary()
    header = (f"Runner: {machine['nproc']} cores ({machine['cpu']}); load average {load_before} before, {load_average()} after; "
              f"{'BENCH_QUICK=1, ' if quick else ''}{runs} run(s) per figure, medians; nginx {nginx_version()}, 1 worker. "
              f"Total {time.monotonic() - began:.0f} s.")
    return header + "\n\n" + "\n".join(rows) + "\n"


def nginx_version() -> str:
    output = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr
    match = re.search(r"nginx/(\S+)", output)
    return match.group(1) if match else "unknown"


# --------------------------------------------------------------------------------------------
# 5. in-process


def bench_line(command: list[str]) -> dict[str, str]:
    output = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if output.returncode != 0:
        fail(f"{' '.join(command)} failed: {output.stderr}")
    fields: dict[str, str] = {}
    for line in output.stdout.splitlines():
        parts = line.split()
        for part in parts[1:]:
            key, _, value = part.partition("=")
            fields[f"{parts[0]}.{key}"] = value
    return fields


# --------------------------------------------------------------------------------------------


def fmt(value: float, digits: int = 2) -> str:
    if value != value:  # NaN
        return "n/a"
    return f"{value:,.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gatecheck", required=True, help="release gatecheck binary")
    parser.add_argument("--bench", required=True, help="release gatecheck-bench binary")
    parser.add_argument("--output", help="also write the report (Markdown) to this file")
    args = parser.parse_args()

    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    runs = 1 if quick else 3
    wrk_seconds = 2 if quick else 3
    cold_runs = 3 if quick else 7
    runner_runs = 1 if quick else 3
    soak_seconds = 10 if quick else 30
    vtl_runs = 5 if quick else 9

    api = os.path.join(BENCH_DIR, "api.yaml")
    backends = os.path.join(BENCH_DIR, "backends.yaml")
    work = tempfile.mkdtemp(prefix="gatecheck-bench-")
    only = os.environ.get("BENCH_ONLY")
    if only in ("runner", "html", "goals"):
        try:
            if only == "runner":
                report = "## Runner\n\n" + runner_benchmark(args.gatecheck, work, quick)
            elif only == "goals":
                before = load_average()
                cold = [cold_start_ms(args.gatecheck, api, backends, "/test/mock?id=1") for _ in range(cold_runs)]
                section = side_by_side(args.gatecheck, api, backends, work, runs, wrk_seconds, median(cold))
                report = (f"## Issue 23's goals: the emulator with default flags, beside nginx\n\nLoad average {before} "
                          f"before, {load_average()} after; {runs} wrk run(s) of {wrk_seconds} s per cell.\n\n" + section)
            else:
                report = "\n".join(["| # | figure | gatecheck | target | met? | |", "|---|---|---|---|---|---|"]
                                   + html_report_bench(args.gatecheck, os.path.join(BENCH_DIR, "mock-api.yaml"), work, runs=1 if quick else 3))
        finally:
            if os.environ.get("BENCH_KEEP"):
                log(f"kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
        print(report)
        if args.output:
            with open(args.output, "w") as f:
                f.write(report)
        return
    load_before = load_average()
    began = time.monotonic()

    try:
        # 1. cold start
        log(f"cold start ({cold_runs} runs)")
        cold = [cold_start_ms(args.gatecheck, api, backends, "/test/mock?id=1") for _ in range(cold_runs)]

        # 2b. issue 23's goals: default flags, beside nginx in the same run
        goals_section = side_by_side(args.gatecheck, api, backends, work, runs, wrk_seconds, median(cold))

        # 2. + 4. wrk against one emulator under /usr/bin/time -v
        routes = [
            ("MOCK + VTL response template", "/test/mock?id=42", 200),
            ("Lambda non-proxy, scripted backend", "/test/scripted?id=42", 200),
            ("Lambda proxy, scripted backend", "/test/scripted-proxy", 200),
            ("Lambda proxy, warm Python handler", "/test/python-proxy", 200),
            ("unknown route (403)", "/test/no/such/route", 403),
        ]
        emulator_time = os.path.join(work, "emulator-time.txt")
        emulator = Emulator(args.gatecheck, api, backends, timed=emulator_time)
        emulator.wait_ready("/test/mock")
        base = f"http://127.0.0.1:{emulator.port}"
        for label, path, status in routes:
            got = http_get_status(emulator.port, path)
            if got != status:
                fail(f"{label}: GET {path} answered {got}, expected {status}")
        figures: list[RouteFigures] = []
        for label, path, status in routes:
            route = RouteFigures(label)
            for connections in (1, 64):
                log(f"wrk {label}, {connections} connection(s), {runs} x {wrk_seconds}s")
                results = [run_wrk(base + path, connections, wrk_seconds) for _ in range(runs)]
                for r in results:
                    if r.errors:
                        fail(f"{label}: wrk saw {r.errors} socket errors at {connections} connections")
                    if status == 200 and r.non_2xx:
                        fail(f"{label}: {r.non_2xx} responses were not 2xx")
                route.by_connections[connections] = results
            figures.append(route)
        emulator_pid = emulator.emulator_pid
        emulator_rss_now = proc_rss_kb(emulator_pid)
        emulator.stop()
        emulator_peak_kb, _ = parse_time_v(emulator_time)

        # 4b. soak: 100 keep-alive connections on the Python proxy route; RSS after warm-up vs at the end.
        log(f"soak: {soak_seconds}s, 100 connections, Python Lambda proxy")
        soak = Emulator(args.gatecheck, api, backends)
        soak.wait_ready("/test/mock")
        soak_pid = soak.process.pid
        wrk = subprocess.Popen(["wrk", "-t2", "-c100", f"-d{soak_seconds}s", "--latency",
                                f"http://127.0.0.1:{soak.port}/test/python-proxy"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        warm_up = max(3.0, soak_seconds / 6)
        time.sleep(warm_up)
        def rss_tree() -> tuple[int, int]:
            workers = children_of(soak_pid)
            return (proc_rss_kb(soak_pid) or 0, sum(proc_rss_kb(p) or 0 for p in workers))
        rss_warm = rss_tree()
        samples = [rss_warm]
        while wrk.poll() is None:
            time.sleep(1)
            if wrk.poll() is None:
                samples.append(rss_tree())
        rss_end = samples[-1]
        soak_output = wrk.stdout.read() if wrk.stdout else ""
        soak.stop()
        soak_requests = int(re.search(r"(\d+) requests in", soak_output).group(1))  # type: ignore[union-attr]
        soak_rps = float(re.search(r"Requests/sec:\s+([\d.]+)", soak_output).group(1))  # type: ignore[union-attr]
        socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", soak_output)
        soak_errors = sum(int(x) for x in socket_errors.groups()) if socket_errors else 0
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", soak_output)
        soak_non_2xx = int(non_2xx.group(1)) if non_2xx else 0

        # 3. runner: its own section (runner_benchmark)
        runner_section = runner_benchmark(args.gatecheck, work, quick)
        log("HTML report: 10,000 cases, size and opening time in headless Chromium")
        html_rows = html_report_bench(args.gatecheck, os.path.join(BENCH_DIR, "mock-api.yaml"), work, runs=1 if quick else 3)

        # 5. in-process
        log("in-process: VTL render, JSON parse, pipeline")
        vtl = bench_line([args.bench, "vtl", "--runs", str(vtl_runs)])
        json_fields = bench_line([args.bench, "json", "--runs", str(vtl_runs)])
        pipeline = bench_line([args.bench, "pipeline", "--runs", str(vtl_runs)])
    finally:
        if os.environ.get("BENCH_KEEP"):
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    load_after = load_average()
    machine = machine_summary()

    # ---- the table
    cold_ms = median(cold)
    mock = figures[0]
    python_added = figures[3].med(1, "p50_ms") - figures[2].med(1, "p50_ms")
    emulator_peak_mb = (emulator_peak_kb or 0) / 1024
    vtl_us = float(vtl["vtl.median_us"])

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    rows: list[str] = []
    rows.append("| # | figure | gatecheck | target | met? | LocalStack / SAM (issue 9) |")
    rows.append("|---|---|---|---|---|---|")
    rows.append(f"| 1 | emulator cold start to first answered request | {fmt(cold_ms, 1)} ms | < 50 ms | {verdict(cold_ms < 50)} | LocalStack 1,000-2,000 ms; SAM ~1,000 ms per cold request |")
    for index, route in enumerate(figures):
        for connections in (1, 64):
            rps = route.med(connections, "requests_per_second")
            p50 = route.med(connections, "p50_ms")
            p99 = route.med(connections, "p99_ms")
            target, met, peer = "", "", ""
            if index == 0 and connections == 1:
                target, met = "p50 < 0.1 ms", verdict(p50 < 0.1)
                peer = "LocalStack MOCK: 2.5-3.6 ms"
            elif index == 0 and connections == 64:
                target, met = "> 20,000 req/s", verdict(rps > 20_000)
            rows.append(f"| 2 | {route.label}, {connections} conn | {fmt(rps, 0)} req/s, p50 {fmt(p50, 3)} ms, p99 {fmt(p99, 3)} ms | {target} | {met} | {peer} |")
    rows.append(f"| 2 | Python handler: added per warm call (p50 Python proxy - p50 scripted proxy, 1 conn) | {fmt(python_added, 3)} ms | < 0.5 ms | {verdict(python_added < 0.5)} | SAM: a container per function |")
    rows.append(f"| 4 | peak RSS, emulator under the wrk load above (`time -v`) | {fmt(emulator_peak_mb, 1)} MB | < 50 MB | {verdict(emulator_peak_mb < 50)} | LocalStack 186 MB |")
    soak_ok = soak_errors == 0 and soak_non_2xx == 0
    growth = (rss_end[0] - rss_warm[0]) / 1024
    rows.append(f"| 4 | soak: {soak_seconds} s, 100 keep-alive conn, Python proxy | {soak_requests:,} requests ({fmt(soak_rps, 0)} req/s), {soak_errors} socket errors, {soak_non_2xx} non-2xx; emulator RSS {fmt(rss_warm[0] / 1024, 1)} MB after warm-up -> {fmt(rss_end[0] / 1024, 1)} MB at the end ({growth:+.1f} MB); workers {fmt(rss_warm[1] / 1024, 1)} -> {fmt(rss_end[1] / 1024, 1)} MB | zero errors, flat memory | {verdict(soak_ok and growth < 5)} | |")
    rows.append(f"| 5 | VTL render, {vtl.get('vtl.template_lines', '30')}-line template over a {int(vtl.get('vtl.body_bytes', '0')):,} B body (in-process) | {fmt(vtl_us, 1)} µs | | | |")
    rows.append(f"| - | JSON parse / serialize of the same body (in-process) | {fmt(float(json_fields['json-parse.median_us']), 1)} µs / {fmt(float(json_fields['json-serialize.median_us']), 1)} µs | | | |")
    rows.append(f"| - | REST pipeline, MOCK + VTL, no sockets (in-process) | {fmt(float(pipeline['pipeline.median_us']), 1)} µs per request | | | |")
    rows += html_rows

    header = [
        f"Machine: {machine['nproc']} cores ({machine['cpu']}), {machine['memory']} RAM; "
        f"load average {load_before} before, {load_after} after; "
        f"{'BENCH_QUICK=1, ' if quick else ''}{runs} wrk run(s) of {wrk_seconds} s per cell, "
        f"{cold_runs} cold starts, {runner_runs} runner run(s); medians. "
        f"Total {time.monotonic() - began:.0f} s.",
        "",
    ]
    report = ("## Issue 23's goals: the emulator with default flags, beside nginx\n\n" + goals_section
              + "\n\n## Emulator (`--quiet`), peers, memory, in-process\n\n" + "\n".join(header + rows)
              + "\n\n## Runner\n\n" + runner_section)
    print(report)
    if args.output:
        with open(args.output, "w") as f:
            f.write(report)
    # Figures for whoever wants raw numbers.
    log("cold start runs (ms): " + ", ".join(f"{c:.1f}" for c in cold))
    log("emulator RSS before stop (KiB): " + str(emulator_rss_now))
    log("soak RSS samples (emulator KiB, workers KiB): " + " ".join(f"{a}/{b}" for a, b in samples))


# --------------------------------------------------------------------------------------------
# 6. HTML report (issue 22): size and opening time of the report of 10,000 cases


def html_report_bench(gatecheck: str, mock_api: str, work: str, runs: int = 3) -> list[str]:
    """Rows for the report of 10,000 cases (20 suites, 1 in 20 failing with its transcript): its size (< 10 MB) and
    how long headless Chromium takes to open it (< 2 s): from the navigation's start to the first frame painted after
    the page's load event and its filtering script (`ChromiumPage.open`). Skipped with a note without chromium."""
    directory = os.path.join(work, "html-suites")
    os.makedirs(directory, exist_ok=True)
    for s in range(20):
        lines = [f"name: html-{s:02d}", f"tags: [{'smoke' if s % 2 else 'regression'}]", f"api: {mock_api}", "cases:"]
        for c in range(500):
            ident = s * 500 + c
            status = 201 if ident % 20 == 0 else 200
            lines += [f"  - name: case {c:04d}", f"    request: {{ path: /mock, query: {{ id: \"{ident}\" }} }}",
                      f"    expect: {{ status: {status}, body: {{ jsonPath: {{ \"$.id\": \"{ident}\" }} }} }}"]
        with open(os.path.join(directory, f"html-{s:02d}.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")
    html = os.path.join(work, "report.html")
    result = subprocess.run([gatecheck, "run", directory, "--junit", os.path.join(work, "html-junit.xml"), "--html", html],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 1 or not os.path.exists(html):
        fail(f"the HTML report run exited with status {result.returncode} (expected 1: 500 failing cases): {result.stderr[-2000:]}")
    size_mb = os.path.getsize(html) / 1_000_000
    with open(html, encoding="utf-8") as f:
        text = f.read()
    case_count = text.count('<details class="case ') + text.count('<div class="case ')
    failing = text.count('data-outcome="failed"')
    if case_count != 10_000 or failing != 500:
        fail(f"the report shows {case_count} cases ({failing} failed); expected 10,000 (500 failed)")
    rows = [f"| 6 | HTML report of 10,000 cases (500 failing, expanded with request, response and diff) | {fmt(size_mb, 2)} MB | < 10 MB | {'met' if size_mb < 10 else '**missed**'} | |"]
    chromium = shutil.which("chromium")
    if chromium is None:
        return rows + ["| 6 | HTML report: open in headless Chromium | not measured: chromium is not installed (scripts/install-deps.sh --test installs it) | < 2 s | | |"]
    timings = []
    with ChromiumPage(chromium, work) as browser:
        for _ in range(runs):
            timing = browser.open("file://" + html)
            if timing["ready"] != "true":
                fail("the report's script did not finish in headless Chromium")
            if timing["console"]:
                fail(f"the report logged to the console: {timing['console'][:5]}")
            if timing["shown"] != "10000 of 10000 cases shown":
                fail(f"the report's filter line says {timing['shown']!r}")
            timings.append(timing)
    painted = median([t["painted_ms"] for t in timings]) / 1000
    loaded = median([t["load_ms"] for t in timings]) / 1000
    parsed = median([t["dom_ms"] for t in timings]) / 1000
    cpu = median([t["cpu_s"] for t in timings])
    log("HTML report open times (s, first frame after load): " + ", ".join(f"{t['painted_ms'] / 1000:.2f}" for t in timings)
        + "; browser CPU (s): " + ", ".join(f"{t['cpu_s']:.2f}" for t in timings) + f"; load average {load_average()}")
    return rows + [f"| 6 | HTML report of 10,000 cases: open in headless Chromium (navigation start to the first frame after load; "
                   f"DOM parsed {fmt(parsed, 2)} s, load event {fmt(loaded, 2)} s; CPU time of all browser processes {fmt(cpu, 2)} s) "
                   f"| {fmt(painted, 2)} s | < 2 s | {'met' if painted < 2 else '**missed**'} | |"]


class ChromiumPage:
    """Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: commands on the
    browser's fd 3, answers and events on its fd 4, each message a JSON text ended by NUL). Only the standard library."""

    # Evaluated once the load event fired: resolves at the next painted frame with the page's own timings.
    PROBE = """new Promise(function (resolve) { requestAnimationFrame(function () { setTimeout(function () {
      var nav = performance.getEntriesByType("navigation")[0], shown = document.getElementById("shown");
      resolve(JSON.stringify({painted_ms: performance.now(), load_ms: nav.loadEventEnd, dom_ms: nav.domContentLoadedEventEnd,
        ready: document.documentElement.getAttribute("data-ready"), shown: shown ? shown.textContent : null}));
    }, 0); }); })"""

    def __init__(self, chromium: str, work: str):
        self.chromium = chromium
        self.profile = tempfile.mkdtemp(prefix="gatecheck-chromium-", dir=work)
        self.next_id = 0
        self.buffer = b""
        self.events: list[dict] = []

    def __enter__(self) -> "ChromiumPage":
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()
        # The browser reads commands on fd 3 and writes on fd 4 (moved out of the way first, so neither clobbers the other).
        def child_fds() -> None:
            read_end, write_end = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10), fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
        self.process = subprocess.Popen(
            [self.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
             f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=child_fds, pass_fds=(3, 4, to_browser_read, from_browser_write))
        os.close(to_browser_read)
        os.close(from_browser_write)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.send("Browser.close")
        except (OSError, RuntimeError):
            pass
        wait_or_kill(self.process, timeout=10)
        os.close(self.to_browser)
        os.close(self.from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)

    def receive(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.from_browser], [], [], remaining)[0]:
                raise RuntimeError("headless Chromium did not answer in time")
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("headless Chromium closed its DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Sends a command and returns its result; events that arrive meanwhile are kept in `events`."""
        self.next_id += 1
        command: dict = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self.to_browser, json.dumps(command).encode() + b"\0")
        while True:
            message = self.receive()
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_event(self, method: str, session: str) -> dict:
        while True:
            for index, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self.events.pop(index)
            self.events.append(self.receive())

    def open(self, url: str) -> dict:
        """Opens `url` in a new tab: the page's timings (ms from the navigation's start), the CPU time all the browser's
        processes spent meanwhile (what the wall time is made of when the machine is not shared), its filter line,
        whether its script finished, and the console messages, uncaught exceptions and logged errors it produced."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Page.enable", session=session)
        self.send("Runtime.enable", session=session)
        self.send("Log.enable", session=session)
        self.events.clear()
        cpu_before = tree_cpu_seconds(self.process.pid)
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_event("Page.loadEventFired", session)
        probe = self.send("Runtime.evaluate", {"expression": self.PROBE, "awaitPromise": True, "returnByValue": True}, session=session)
        timing = json.loads(probe["result"]["value"])
        timing["cpu_s"] = tree_cpu_seconds(self.process.pid) - cpu_before
        timing["console"] = [event["params"] for event in self.events if event.get("sessionId") == session
                             and (event.get("method") in ("Runtime.consoleAPICalled", "Runtime.exceptionThrown")
                                 or (event.get("method") == "Log.entryAdded" and event["params"]["entry"].get("level") in ("error", "warning")))]
        self.send("Target.closeTarget", {"targetId": target})
        return timing


if __name__ == "__main__":
    main()
