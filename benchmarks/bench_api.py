"""Latency of the clinic API under concurrent clients: a patient's timeline and the overdue list.

Starts the server (uvicorn, ``--workers N``) on the schema that benchmarks/seed_clinic.py
seeded, checks that both routes answer, then runs each workload in turn: ``--clients`` threads,
each with its own keep-alive connection and bearer token, send requests for ``--seconds`` after a
warm-up. With ``--think-ms 0`` every client sends its next request as soon as the last one
answered (the most load 20 clients can make); with ``--think-ms 1000`` each waits about a second
between requests, as clinicians at their desks would (0.5 to 1.5 times the value, at random).

Workloads: ``GET /api/v1/patients/{random id}/timeline`` and
``GET /api/v1/patients?due=overdue&page_size=50&page={1..5}``. Any answer but 200 is an error.
Besides latency, it reports the CPU time the server, its PostgreSQL backends and this client
spent per request, how many cores everything else on the machine kept busy meanwhile, and the
load average: on a shared machine the figures are only as good as those two numbers allow.

Usage::

    .venv/bin/python benchmarks/bench_api.py [--workers 2] [--clients 20] [--seconds 20]
        [--think-ms 0] [--warmup 5] [--workload both] [--seed 1]

Prints a Markdown table to paste into the README.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psutil
import psycopg
from sqlalchemy import make_url

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
CONFIG_FILE = WORK / "bench_clinic.json"
API = "/api/v1"
APP_FACTORY = "hemispasm.clinic.app:create_app"
BAR_P95_MS = 50.0

PathMaker = Callable[[random.Random], str]


Headers = dict[str, str]


@dataclass(frozen=True)
class Workload:
    """One kind of request, its paths drawn at random, sent with the client's credentials."""

    name: str
    make_path: PathMaker
    credentials: Callable[[int], Headers] | None = None
    """The headers of client ``index`` (default: the benchmark's bearer token)."""


def workloads(first_id: int, last_id: int) -> dict[str, Workload]:
    """The two workloads of the issue's bar."""
    return {
        "timeline": Workload(
            "timeline", lambda rng: f"{API}/patients/{rng.randint(first_id, last_id)}/timeline"
        ),
        "overdue": Workload(
            "overdue",
            lambda rng: f"{API}/patients?due=overdue&page_size=50&page={rng.randint(1, 5)}",
        ),
    }


@dataclass
class ClientLog:
    """What one client saw during the measured window."""

    latencies_s: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    """What the server's ``Server-Timing`` header reported for each request."""
    errors: int = 0
    first_error: str | None = None


@dataclass(frozen=True)
class Result:
    """A workload's figures."""

    workload: str
    requests: int
    errors: int
    first_error: str | None
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    server_p50_ms: float
    server_p95_ms: float
    """Server time (``Server-Timing``): from the request's arrival to the answer's headers."""
    server_cpu_ms: float
    postgres_cpu_ms: float
    client_cpu_ms: float
    """CPU time per request: the server, its PostgreSQL backends, this client."""
    others_cores: float
    """Cores kept busy meanwhile by everything else on the machine."""
    load_before: float
    load_after: float

    @property
    def rate_per_s(self) -> float:
        """Requests answered per second."""
        return self.requests / self.seconds


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bearer(token: str | None) -> Headers:
    """The Authorization header of ``token`` (none without one)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def get(conn: http.client.HTTPConnection, path: str, headers: Headers) -> tuple[int, bytes, float]:
    """One GET on a keep-alive connection: (status, body, server time in ms or NaN)."""
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    timing = response.getheader("server-timing") or ""
    _, found, duration = timing.partition("dur=")
    return response.status, response.read(), float(duration) if found else float("nan")


@contextmanager
def running_server(url: str, *, workers: int, port: int) -> Iterator[psutil.Popen]:
    """uvicorn serving the app on ``url``'s database until the block ends."""
    env = os.environ | {
        "HEMISPASM_DATABASE_URL": url,
        "HEMISPASM_ENVIRONMENT": "development",
    }
    cmd = [sys.executable, "-m", "uvicorn", "--factory", APP_FACTORY, "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", str(workers), "--no-access-log"]
    cmd += ["--log-level", "warning"]
    WORK.mkdir(exist_ok=True)
    log_path = WORK / "bench_api_server.log"
    with log_path.open("wb") as log:
        server = psutil.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for_health(server, port, log_path)
            yield server
        finally:
            server.terminate()  # uvicorn stops its workers and exits on SIGTERM
            try:
                server.wait(timeout=20)
            except psutil.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def wait_for_health(server: psutil.Popen, port: int, log_path: Path, timeout_s: float = 60) -> None:
    """Return once ``/health`` answers 200; raise if the server dies or never answers."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"the server exited with {server.returncode}: {log_path.read_text()}"
            )
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            status, _, _ = get(conn, f"{API}/health", {})
            conn.close()
            if status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /health within {timeout_s} s")


def check_routes(port: int, token: str, first_id: int) -> None:
    """Both routes answer 200 with what the benchmark expects; print what one answer holds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    status, body, _ = get(conn, f"{API}/patients/{first_id}/timeline", bearer(token))
    if status != 200:
        raise RuntimeError(f"timeline answered {status}: {body[:500]!r}")
    timeline = json.loads(body)
    if not timeline["sessions"]:
        raise RuntimeError(f"patient {first_id} has no sessions: seed the clinic again")
    timeline_kib = len(body) / 1024
    sites = sum(s["site_count"] for s in timeline["sessions"])
    status, body, _ = get(conn, f"{API}/patients?due=overdue&page_size=50&page=1", bearer(token))
    if status != 200:
        raise RuntimeError(f"the overdue list answered {status}: {body[:500]!r}")
    overdue = json.loads(body)
    if not overdue["items"]:
        raise RuntimeError("the overdue list is empty: seed the clinic again")
    today = date.today().isoformat()
    if any(item["next_due_on"] >= today for item in overdue["items"]):
        raise RuntimeError(f"the overdue list holds patients not due before {today}")
    conn.close()
    print(
        f"Routes answer: a timeline holds {len(timeline['sessions'])} sessions, {sites} sites "
        f"({timeline_kib:.0f} KiB of JSON); {overdue['total']} patients are overdue."
    )


def client(
    index: int,
    *,
    port: int,
    token: str,
    workload: Workload,
    seed: int,
    measure_from: float,
    stop_at: float,
    think_s: float,
    log: ClientLog,
) -> None:
    """Send requests until ``stop_at``; log those that started after ``measure_from``."""
    rng = random.Random(seed * 1_000 + index)
    headers = workload.credentials(index) if workload.credentials else bearer(token)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    if think_s:  # start staggered, so that thinking clients do not send in step
        time.sleep(rng.uniform(0, think_s))
    while (started := time.perf_counter()) < stop_at:
        path = workload.make_path(rng)
        server_ms = float("nan")
        try:
            status, body, server_ms = get(conn, path, headers)
        except (OSError, http.client.HTTPException) as exc:
            status, body = 0, f"{type(exc).__name__}: {exc}".encode()
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        elapsed = time.perf_counter() - started
        if started >= measure_from:
            log.latencies_s.append(elapsed)
            log.server_ms.append(server_ms)
            if status != 200:
                log.errors += 1
                if log.first_error is None:
                    log.first_error = f"GET {path} -> {status}: {body[:300]!r}"
        if think_s:
            time.sleep(
                min(think_s * rng.uniform(0.5, 1.5), max(0.0, stop_at - time.perf_counter()))
            )
    conn.close()


def cpu_by_pid(processes: list[psutil.Process]) -> dict[int, float]:
    """User plus system CPU seconds of each of ``processes`` still running."""
    seconds = {}
    for proc in processes:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        seconds[proc.pid] = times.user + times.system
    return seconds


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings by the processes alive at the second.

    A process started in between counts from zero; one that ended in between is left out
    (its last second is lost, rather than its whole life subtracted).
    """
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def server_processes(server: psutil.Popen) -> list[psutil.Process]:
    """The uvicorn supervisor and its workers."""
    return [server, *server.children(recursive=True)]


def database_backends(server: psutil.Popen, pg_port: int) -> list[psutil.Process]:
    """The PostgreSQL backends serving the server's connections (found by client port)."""
    ports: set[int] = set()
    for proc in server_processes(server):
        try:
            connections = proc.net_connections(kind="tcp")
        except psutil.Error:
            continue
        ports.update(c.laddr.port for c in connections if c.raddr and c.raddr.port == pg_port)
    titles = {f"127.0.0.1({port})" for port in ports}
    backends = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        title = " ".join(proc.info["cmdline"] or ())
        if proc.info["name"] == "postgres" and any(t in title for t in titles):
            backends.append(proc)
    return backends


def machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def run_workload(
    workload: Workload,
    *,
    server: psutil.Popen,
    port: int,
    pg_port: int,
    token: str,
    clients: int,
    seconds: float,
    warmup_s: float,
    think_s: float,
    seed: int,
) -> Result:
    """Run ``clients`` clients for ``warmup_s + seconds``; figures cover the last ``seconds``."""
    logs = [ClientLog() for _ in range(clients)]
    now = time.perf_counter()
    measure_from, stop_at = now + warmup_s, now + warmup_s + seconds
    threads = [
        threading.Thread(
            target=client,
            args=(i,),
            kwargs={
                "port": port,
                "token": token,
                "workload": workload,
                "seed": seed,
                "measure_from": measure_from,
                "stop_at": stop_at,
                "think_s": think_s,
                "log": logs[i],
            },
            daemon=True,
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, measure_from - time.perf_counter()))
    me = psutil.Process()

    def readings() -> tuple[dict[int, float], dict[int, float], dict[int, float]]:
        return (
            cpu_by_pid(server_processes(server)),
            cpu_by_pid(database_backends(server, pg_port)),
            cpu_by_pid([me]),
        )

    load_before = os.getloadavg()[0]
    cpu_before, busy_before, window_start = readings(), machine_busy_s(), time.perf_counter()
    time.sleep(max(0.0, stop_at - time.perf_counter()))
    cpu_after, busy_after, window_s = readings(), machine_busy_s(), time.perf_counter()
    window_s -= window_start
    load_after = os.getloadavg()[0]
    for thread in threads:
        thread.join(timeout=120)
    latencies_ms = sorted(1000 * x for log in logs for x in log.latencies_s)
    if len(latencies_ms) < 2:
        raise RuntimeError(f"{workload.name}: only {len(latencies_ms)} requests were measured")
    cuts = statistics.quantiles(latencies_ms, n=100, method="inclusive")
    n = len(latencies_ms)
    server_ms = sorted(x for log in logs for x in log.server_ms if x == x)  # NaN: not reported
    server_cuts = (
        statistics.quantiles(server_ms, n=100, method="inclusive")
        if len(server_ms) >= 2
        else [float("nan")] * 99
    )
    ours_s = [cpu_spent(b, a) for b, a in zip(cpu_before, cpu_after, strict=True)]
    server_cpu, pg_cpu, client_cpu = (1000 * x / n for x in ours_s)
    return Result(
        workload=workload.name,
        requests=n,
        errors=sum(log.errors for log in logs),
        first_error=next((log.first_error for log in logs if log.first_error), None),
        seconds=seconds,
        p50_ms=cuts[49],
        p95_ms=cuts[94],
        p99_ms=cuts[98],
        max_ms=latencies_ms[-1],
        server_p50_ms=server_cuts[49],
        server_p95_ms=server_cuts[94],
        server_cpu_ms=server_cpu,
        postgres_cpu_ms=pg_cpu,
        client_cpu_ms=client_cpu,
        others_cores=max(0.0, (busy_after - busy_before - sum(ours_s)) / window_s),
        load_before=load_before,
        load_after=load_after,
    )


def postgres_version(url: str) -> str:
    """The version the database server reports."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def cpu_model() -> str:
    """The processor's name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_line(url: str) -> str:
    """When and on what the figures were measured."""
    cpu = cpu_model()
    return (
        f"Measured {date.today().isoformat()} on {psutil.cpu_count()} cores ({cpu}), "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}, "
        f"PostgreSQL {postgres_version(url)} on the same machine."
    )


TABLE_HEADER = (
    "| date | workload | workers | clients | think ms | requests | errors | req/s "
    "| p50 ms | p95 ms | p99 ms | server p95 ms | CPU ms/req app / PostgreSQL / client "
    "| other work, cores | load 1 min | cores |\n"
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
    "| ---: | ---: | ---: |"
)


def table_row(result: Result, *, workers: int, clients: int, think_ms: float) -> str:
    """The result as a row of the README's table."""
    return (
        f"| {date.today().isoformat()} | {result.workload} | {workers} | {clients} "
        f"| {think_ms:g} | {result.requests:,} | {result.errors} | {result.rate_per_s:.0f} "
        f"| {result.p50_ms:.0f} | {result.p95_ms:.0f} | {result.p99_ms:.0f} "
        f"| {result.server_p95_ms:.0f} "
        f"| {result.server_cpu_ms:.1f} / {result.postgres_cpu_ms:.1f} / "
        f"{result.client_cpu_ms:.1f} | {result.others_cores:.1f} | {result.load_after:.1f} "
        f"| {psutil.cpu_count()} |"
    )


def measure(
    workload: Workload,
    *,
    server: psutil.Popen,
    port: int,
    config: dict[str, Any],
    args: argparse.Namespace,
) -> Result:
    """``run_workload`` with the command line's clients, timing and seed."""
    return run_workload(
        workload,
        server=server,
        port=port,
        pg_port=make_url(config["url"]).port or 5432,
        token=config["token"],
        clients=args.clients,
        seconds=args.seconds,
        warmup_s=args.warmup,
        think_s=args.think_ms / 1000,
        seed=args.seed,
    )


def load_arguments(description: str, *, seconds: float, warmup: float) -> argparse.ArgumentParser:
    """The options every load benchmark shares: server workers, clients, timing, seed."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=seconds, help="measured, per workload")
    parser.add_argument("--think-ms", type=float, default=0, help="pause between requests")
    parser.add_argument("--warmup", type=float, default=warmup, help="seconds before measuring")
    parser.add_argument("--seed", type=int, default=1)
    return parser


def check_load_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse counts and times that cannot be measured, and a missing seed."""
    for name in ("workers", "clients", "seconds"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name} must be > 0, got {getattr(args, name)}")
    if args.think_ms < 0 or args.warmup < 0:
        parser.error(f"--think-ms and --warmup must be >= 0, got {args.think_ms}, {args.warmup}")
    if not CONFIG_FILE.exists():
        parser.error(f"{CONFIG_FILE} is missing: run benchmarks/seed_clinic.py first")


def main() -> None:
    parser = load_arguments(__doc__.splitlines()[0], seconds=20, warmup=5)
    parser.add_argument(
        "--workload", choices=("both", "timeline", "overdue"), default="both", help="what to run"
    )
    args = parser.parse_args()
    check_load_arguments(parser, args)
    config: dict[str, Any] = json.loads(CONFIG_FILE.read_text())
    first_id, last_id = config["patient_ids"]
    chosen = workloads(first_id, last_id)
    names = list(chosen) if args.workload == "both" else [args.workload]

    print(machine_line(config["url"]))
    print(
        f"Schema {config['schema']!r} seeded {config['seeded_on']}: "
        f"{config['counts']['patients']:,} patients, "
        f"{config['counts']['injection_sessions']:,} sessions, "
        f"{config['counts']['injection_sites']:,} sites. Load before start: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        + "."
    )
    port = free_port()
    results = []
    with running_server(config["url"], workers=args.workers, port=port) as server:
        check_routes(port, config["token"], first_id)
        for name in names:
            result = measure(chosen[name], server=server, port=port, config=config, args=args)
            results.append(result)
            verdict = "meets" if result.p95_ms <= BAR_P95_MS and not result.errors else "misses"
            print(
                f"{name}: {result.requests:,} requests, {result.errors} errors, "
                f"{result.rate_per_s:.0f}/s; p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} "
                f"ms, p99 {result.p99_ms:.1f} ms, max {result.max_ms:.0f} ms; server time p95 "
                f"{result.server_p95_ms:.1f} ms ({verdict} the bar "
                f"p95 <= {BAR_P95_MS:g} ms); load {result.load_before:.2f} -> "
                f"{result.load_after:.2f}; other work kept {result.others_cores:.1f} cores busy"
            )
            if result.first_error:
                print(f"  first error: {result.first_error}")
    print()
    print(TABLE_HEADER)
    for result in results:
        print(table_row(result, workers=args.workers, clients=args.clients, think_ms=args.think_ms))


if __name__ == "__main__":
    main()
