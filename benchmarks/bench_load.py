"""Mixed load on the clinic server: clinicians reading, patients writing, a video analysed.

Issue 11's reproduction. The real command, ``hemispasm serve`` (embedded analysis worker
included), runs in its own process on a fresh data folder seeded by ``hemispasm demo``: SQLite by
default, or with ``--database-url`` a scratch PostgreSQL database created for the run and dropped
after it (the database named in the URL is only used to create and drop it). Then ``--clients``
clients, each with its own keep-alive connection and browser session, work for ``--seconds``:

- clinicians (two in five, at least one): the worklist and a patient's page, the overdue list and
  a patient's timeline from the API;
- patients (the others, each logged in as another demo patient): ``/me``, the diary, their
  summary from the API, and ratings of their spasms, saved through the diary's form (with its
  ``csrf_token`` field) and through the API (with the ``X-CSRF-Token`` header);
- meanwhile one more clinician uploads a synthetic video (``hemispasm synth``, cached in
  ``benchmarks/_work``) a second into the run and follows its analysis job.

Afterwards every write the server acknowledged (201 from the API, the form's 303 to the saved
diary) is read back: by id and by its unique note. The bar: no answer >= 500, no dropped
connection, every acknowledged write stored. Exit status 1 when it is missed.

Usage::

    .venv/bin/python benchmarks/bench_load.py [--clients 10] [--seconds 20] [--think-ms 0]
        [--database-url postgresql://postgres@127.0.0.1:5432/test] [--video-seconds 60]
        [--seed 1] [--keep]

The server and the seeding commands run as ``python -m hemispasm`` with this environment, so
``PYTHONPATH=/some/checkout/src`` measures that checkout's code with the same virtualenv. Logins
are rate-limited per address, and every client logs in from 127.0.0.1: the server is started
with ``HEMISPASM_LOGIN_RATE_LIMIT`` raised, nothing else changed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
API = "/api/v1"
CLIENT_TIMEOUT_S = 60.0
JOB_POLL_S = 1.0
JOB_WAIT_AFTER_S = 180.0
"""How long after the measured window the video's job may take to finish."""

Headers = dict[str, str]


# --- HTTP -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What the server answered; status 0 when the connection failed (dropped, refused, timed
    out), with the error in ``body``."""

    status: int
    body: bytes
    headers: Mapping[str, str]
    cookies: Mapping[str, str]

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


class Http:
    """One client's keep-alive connection; a failed connection is replaced for the next request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=CLIENT_TIMEOUT_S)

    def send(
        self, method: str, path: str, *, body: bytes | None = None, headers: Headers | None = None
    ) -> Answer:
        """One request; never raises for a network failure (status 0)."""
        try:
            self._conn.request(method, path, body=body, headers=headers or {})
            response = self._conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self._conn.close()
            self._conn = self._connect()
            return Answer(0, f"{type(exc).__name__}: {exc}".encode(), {}, {})
        cookies = {}
        for line in response.headers.get_all("set-cookie") or []:
            name, _, rest = line.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        heads = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, data, heads, cookies)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def json_body(value: Any) -> tuple[bytes, Headers]:
    """A JSON request body and its content type."""
    return json.dumps(value).encode(), {"Content-Type": "application/json"}


def form_body(fields: Mapping[str, str]) -> tuple[bytes, Headers]:
    """A URL-encoded form body and its content type."""
    return urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"}


def multipart_body(
    fields: Mapping[str, str], file_field: str, video: Path
) -> tuple[bytes, Headers]:
    """A multipart/form-data body with text ``fields`` and the video as ``file_field``."""
    boundary = f"bench-{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{video.name}"\r\nContent-Type: video/mp4\r\n\r\n'.encode()
        + video.read_bytes()
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def expect(answer: Answer, status: int, what: str) -> Answer:
    """``answer`` when it has ``status``; else stop the benchmark saying what failed."""
    if answer.status != status:
        raise RuntimeError(f"{what}: expected {status}, got {answer.status}: {answer.body[:400]!r}")
    return answer


# --- the server and its data ------------------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def hemispasm(*args: str) -> list[str]:
    """The command line of ``hemispasm ARGS`` run by this interpreter (PYTHONPATH applies)."""
    return [sys.executable, "-m", "hemispasm", *args]


def run_command(args: list[str], env: Mapping[str, str], log: Path) -> None:
    """Run a setup command; stop with its output when it fails."""
    with log.open("ab") as out:
        done = subprocess.run(args, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[2:])} exited {done.returncode}:\n{log.read_text()}")


@contextmanager
def scratch_postgres(url: str) -> Iterator[str]:
    """A new, empty database on the server of ``url``, dropped at the end; yields its URL."""
    import psycopg
    from psycopg import sql
    from sqlalchemy import make_url

    admin = make_url(url).set(drivername="postgresql")
    name = f"hemispasm_load_{uuid.uuid4().hex[:10]}"
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def synthetic_video(seconds: float, seed: int, env: Mapping[str, str]) -> Path:
    """A synthetic spasm video of ``seconds``, made once and kept in benchmarks/_work."""
    folder = WORK / f"load-video-{seconds:g}s-seed{seed}"
    video = folder / "synthetic.mp4"
    if not video.is_file():
        WORK.mkdir(exist_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        args = ["synth", "--out", str(folder), "--duration", f"{seconds:g}", "--seed", str(seed)]
        run_command(hemispasm(*args), env, WORK / "load-synth.log")
    return video


def wait_for_health(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Return once ``/health`` answers 200; raise if the server exits or never answers."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}:\n{log.read_text()}")
        http_ = Http(port)
        answer = http_.send("GET", f"{API}/health")
        http_.close()
        if answer.status == 200:
            return
        time.sleep(0.3)
    raise RuntimeError("the server did not answer /health within 120 s")


@contextmanager
def running_server(data: Path, env: Mapping[str, str], port: int) -> Iterator[Path]:
    """``hemispasm serve`` on ``port`` until the block ends; yields its log file."""
    log = data / "server.log"
    cmd = hemispasm("serve", "--host", "127.0.0.1", "--port", str(port), "--data", str(data))
    with log.open("wb") as out:
        server = subprocess.Popen(cmd, env=dict(env), stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_for_health(server, port, log)
            yield log
        finally:
            server.send_signal(signal.SIGINT)  # uvicorn's graceful stop
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


# --- accounts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    """A browser session: its cookie and CSRF token, and whose it is."""

    email: str
    cookie: str
    csrf: str
    patient_id: int | None

    def headers(self, *, change: bool = False) -> Headers:
        """The cookie, and on a change the CSRF header."""
        out = {"Cookie": self.cookie}
        if change:
            out["X-CSRF-Token"] = self.csrf
        return out


def read_demo_logins(path: Path) -> dict[str, tuple[str, str]]:
    """role -> (e-mail, password) from the demo's logins file."""
    out = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and not line.startswith("#"):
            out[parts[0]] = (parts[1], parts[2])
    return out


def log_in(http_: Http, email: str, password: str) -> Login:
    """A browser session, as the login page's script opens one."""
    body, heads = json_body({"email": email, "password": password})
    answer = expect(
        http_.send("POST", f"{API}/auth/login", body=body, headers=heads), 200, f"login {email}"
    )
    name, value = next(iter(answer.cookies.items()))
    data = answer.json()
    return Login(email, f"{name}={value}", data["csrf_token"], data["user"]["patient_id"])


def bearer(http_: Http, email: str, password: str) -> Headers:
    """An API token's Authorization header."""
    body, heads = json_body({"email": email, "password": password})
    answer = expect(
        http_.send("POST", f"{API}/auth/token", body=body, headers=heads), 200, f"token {email}"
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@dataclass(frozen=True)
class Cast:
    """Who takes part: the clients' sessions and the patients the clinicians look at."""

    clinicians: list[Login]
    patients: list[Login]
    patient_ids: list[int]
    reader: Headers
    """A clinician's token, for setting up and for reading writes back."""
    uploader: Headers
    upload_patient_id: int


def make_cast(port: int, logins_file: Path, *, clients: int, run_id: str) -> Cast:
    """Log in the demo's clinician and admin, add the accounts the clients need, log them in."""
    demo = read_demo_logins(logins_file)
    http_ = Http(port)
    admin = bearer(http_, *demo["admin"])
    reader = bearer(http_, *demo["clinician"])
    listed = expect(
        http_.send("GET", f"{API}/patients?page_size=200", headers=reader), 200, "patient list"
    ).json()
    patient_ids = sorted(item["id"] for item in listed["items"])
    n_clinicians = max(1, round(clients * 2 / 5)) if clients > 1 else 0
    n_patients = clients - n_clinicians
    if n_patients and not patient_ids:
        raise RuntimeError("the demo clinic has no patients")
    password = f"load-{run_id}-password"

    def add(role: str, index: int, patient_id: int | None = None) -> str:
        email = f"load-{run_id}-{role}-{index}@example.org"
        values = {"email": email, "password": password, "role": role, "patient_id": patient_id}
        body, heads = json_body(values)
        expect(
            http_.send("POST", f"{API}/users", body=body, headers=admin | heads),
            201,
            f"adding {email}",
        )
        return email

    clinicians = [log_in(http_, add("clinician", i), password) for i in range(n_clinicians)]
    # each patient client is another demo patient (taken in turn again past the demo's count)
    patients = []
    for i in range(n_patients):
        pid = patient_ids[i % len(patient_ids)]
        patients.append(log_in(http_, add("patient", i, pid), password))
    uploader = bearer(http_, add("clinician", n_clinicians), password)
    http_.close()
    return Cast(clinicians, patients, patient_ids, reader, uploader, patient_ids[-1])


# --- what the clients do ----------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    """A self-rating a patient sent, and what the server said to it."""

    patient_id: int
    route: str
    note: str
    score: int
    rated_on: str
    status: int
    acknowledged: bool
    record_id: int | None


@dataclass(frozen=True)
class Request:
    """One request a client is about to send."""

    route: str
    method: str
    path: str
    headers: Headers
    body: bytes | None = None
    expected: frozenset[int] = frozenset({200})
    rating: tuple[str, int, str] | None = None
    """(note, score, date) of a self-rating sent."""


@dataclass
class Sample:
    """One answered (or failed) request."""

    route: str
    status: int
    seconds: float
    expected: bool
    detail: str = ""


def sample(route: str, answer: Answer, seconds: float, expected: frozenset[int]) -> Sample:
    """The sample of one answer; an unexpected one keeps the start of its body."""
    fine = answer.status in expected
    detail = "" if fine else answer.body[:300].decode(errors="replace")
    return Sample(route, answer.status, seconds, fine, detail)


@dataclass
class ClientLog:
    """What one client did."""

    samples: list[Sample] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)


CLINICIAN_ROUTES = (
    ("page /worklist", 2),
    ("page /patients/{id}", 2),
    ("api overdue", 1),
    ("api timeline", 2),
)
PATIENT_ROUTES = (
    ("page /me", 2),
    ("page /me/diary", 1),
    ("api summary", 1),
    ("form rating", 2),
    ("api rating", 2),
)


def pick(rng: random.Random, routes: Sequence[tuple[str, int]]) -> str:
    """A route name drawn by weight."""
    names, weights = zip(*routes, strict=True)
    return rng.choices(names, weights=weights)[0]


def clinician_request(rng: random.Random, login: Login, patient_ids: Sequence[int]) -> Request:
    """A clinician's next read."""
    route = pick(rng, CLINICIAN_ROUTES)
    pid = rng.choice(patient_ids)
    path = {
        "page /worklist": "/worklist?due=overdue",
        "page /patients/{id}": f"/patients/{pid}",
        "api overdue": f"{API}/patients?due=overdue&page_size=50",
        "api timeline": f"{API}/patients/{pid}/timeline",
    }[route]
    return Request(route, "GET", path, login.headers())


def patient_request(rng: random.Random, login: Login, note: str) -> Request:
    """A patient's next read or rating (``note`` makes a rating findable)."""
    route = pick(rng, PATIENT_ROUTES)
    pid = login.patient_id
    score, today = rng.randint(0, 10), date.today().isoformat()
    if route == "form rating":
        fields = {"csrf_token": login.csrf, "score": str(score), "rated_on": today, "note": note}
        body, heads = form_body(fields)
        return Request(
            route,
            "POST",
            "/me/diary/rating",
            login.headers() | heads,
            body,
            frozenset({303}),
            (note, score, today),
        )
    if route == "api rating":
        body, heads = json_body({"score": score, "rated_on": today, "note": note})
        return Request(
            route,
            "POST",
            f"{API}/patients/{pid}/self-ratings",
            login.headers(change=True) | heads,
            body,
            frozenset({201}),
            (note, score, today),
        )
    path = {
        "page /me": "/me",
        "page /me/diary": "/me/diary",
        "api summary": f"{API}/patients/{pid}/summary",
    }[route]
    return Request(route, "GET", path, login.headers())


def acknowledged(request: Request, answer: Answer) -> bool:
    """Whether the server said the write was kept (the form's redirect must say "saved")."""
    if answer.status not in request.expected:
        return False
    return request.route != "form rating" or "saved=rating" in answer.headers.get("location", "")


def run_client(
    index: int,
    login: Login,
    *,
    port: int,
    cast: Cast,
    run_id: str,
    seed: int,
    stop_at: float,
    think_s: float,
    log: ClientLog,
) -> None:
    """Send requests until ``stop_at``."""
    rng = random.Random(seed * 1000 + index)
    http_ = Http(port)
    if think_s:  # start staggered, so that thinking clients do not send in step
        time.sleep(rng.uniform(0, think_s))
    sequence = 0
    while time.perf_counter() < stop_at:
        sequence += 1
        if login.patient_id is None:
            request = clinician_request(rng, login, cast.patient_ids)
        else:
            request = patient_request(rng, login, f"load {run_id} c{index} #{sequence}")
        started = time.perf_counter()
        answer = http_.send(
            request.method, request.path, body=request.body, headers=request.headers
        )
        seconds = time.perf_counter() - started
        log.samples.append(sample(request.route, answer, seconds, request.expected))
        if request.rating is not None and login.patient_id is not None:
            note, score, rated_on = request.rating
            record_id = answer.json()["id"] if answer.status == 201 else None
            kept = acknowledged(request, answer)
            log.writes.append(
                Write(
                    login.patient_id,
                    request.route,
                    note,
                    score,
                    rated_on,
                    answer.status,
                    kept,
                    record_id,
                )
            )
        if think_s:
            pause = think_s * rng.uniform(0.5, 1.5)
            time.sleep(min(pause, max(0.0, stop_at - time.perf_counter())))
    http_.close()


@dataclass
class VideoRun:
    """The background analysis: its job and how long it took."""

    job_id: int | None = None
    state: str = "not uploaded"
    error: str | None = None
    uploaded_at: float | None = None
    finished_at: float | None = None
    samples: list[Sample] = field(default_factory=list)


def follow_video(
    port: int, cast: Cast, video: Path, *, start_at: float, stop_at: float, run: VideoRun
) -> None:
    """Upload ``video`` at ``start_at``, then poll its job until it ends (samples are kept only
    until ``stop_at``, the end of the measured window)."""
    http_ = Http(port)
    time.sleep(max(0.0, start_at - time.perf_counter()))
    body, heads = multipart_body({"recorded_on": date.today().isoformat()}, "file", video)
    path = f"{API}/patients/{cast.upload_patient_id}/videos"
    started = time.perf_counter()
    answer = http_.send("POST", path, body=body, headers=cast.uploader | heads)
    run.samples.append(
        sample("api video upload", answer, time.perf_counter() - started, frozenset({202}))
    )
    if answer.status != 202:
        run.state = f"upload answered {answer.status}"
        http_.close()
        return
    run.uploaded_at = started
    run.job_id = answer.json()["id"]
    job_path = f"{API}/patients/{cast.upload_patient_id}/jobs/{run.job_id}"
    while time.perf_counter() < stop_at + JOB_WAIT_AFTER_S:
        time.sleep(JOB_POLL_S)
        started = time.perf_counter()
        answer = http_.send("GET", job_path, headers=cast.uploader)
        if started < stop_at:
            seconds = time.perf_counter() - started
            run.samples.append(sample("api job", answer, seconds, frozenset({200})))
        if answer.status == 200:
            job = answer.json()
            run.state, run.error = job["state"], job["error"]
            if run.state in ("done", "failed"):
                run.finished_at = time.perf_counter()
                break
    http_.close()


# --- checking the writes ----------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """What reading the writes back found."""

    acknowledged: int
    stored: int
    missing: list[Write]
    unacknowledged: int
    unacknowledged_stored: int
    duplicated: int


def stored_ratings(http_: Http, reader: Headers, patient_id: int) -> list[dict[str, Any]]:
    """Every self-rating of the patient, through the API's pages."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        path = f"{API}/patients/{patient_id}/self-ratings?page_size=200&page={page}"
        data = expect(http_.send("GET", path, headers=reader), 200, "listing ratings").json()
        rows += data["items"]
        if page * data["page_size"] >= data["total"]:
            return rows
        page += 1


def check_writes(port: int, reader: Headers, writes: Sequence[Write], run_id: str) -> Check:
    """Read every rating back: each acknowledged one by its id (API) and by its unique note."""
    http_ = Http(port)
    by_note: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for patient_id in sorted({w.patient_id for w in writes}):
        for row in stored_ratings(http_, reader, patient_id):
            if row["note"] and f"load {run_id} " in row["note"]:
                by_note[row["note"]].append(row)
    missing = []
    for write in (w for w in writes if w.acknowledged):
        rows = by_note.get(write.note, [])
        found = any(r["score"] == write.score and r["rated_on"] == write.rated_on for r in rows)
        if found and write.record_id is not None:
            path = f"{API}/patients/{write.patient_id}/self-ratings/{write.record_id}"
            answer = http_.send("GET", path, headers=reader)
            found = answer.status == 200 and answer.json()["note"] == write.note
        if not found:
            missing.append(write)
    http_.close()
    unacknowledged = [w for w in writes if not w.acknowledged]
    n_ack = sum(w.acknowledged for w in writes)
    return Check(
        acknowledged=n_ack,
        stored=n_ack - len(missing),
        missing=missing,
        unacknowledged=len(unacknowledged),
        unacknowledged_stored=sum(w.note in by_note for w in unacknowledged),
        duplicated=sum(len(rows) > 1 for rows in by_note.values()),
    )


# --- the report -------------------------------------------------------------------------------


def percentile(sorted_ms: Sequence[float], q: int) -> float:
    """The ``q``-th percentile (inclusive method); NaN for no data."""
    if not sorted_ms:
        return float("nan")
    if len(sorted_ms) == 1:
        return sorted_ms[0]
    return statistics.quantiles(sorted_ms, n=100, method="inclusive")[q - 1]


TABLE_HEAD = (
    "| route | requests | 2xx | 3xx | 4xx | 5xx | dropped | p50 ms | p95 ms | p99 ms | max ms |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def table_row(route: str, samples: Sequence[Sample]) -> str:
    """One route's counts and latency as a Markdown row."""
    classes = Counter(s.status // 100 for s in samples)
    ms = sorted(1000 * s.seconds for s in samples if s.status)
    cells = [
        route,
        f"{len(samples):,}",
        *(f"{classes[k]:,}" for k in (2, 3, 4, 5)),
        f"{classes[0]:,}",
        *(f"{percentile(ms, q):.0f}" for q in (50, 95, 99)),
        f"{ms[-1]:.0f}" if ms else "-",
    ]
    return "| " + " | ".join(cells) + " |"


def machine_line(database: str) -> str:
    """When and on what the figures were measured."""
    import psutil

    return (
        f"{date.today().isoformat()}, {psutil.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}, "
        f"{database}; load before start " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )


def report(
    samples: Sequence[Sample], video: VideoRun, check: Check, *, window_s: float, log: Path
) -> bool:
    """Print the tables and the verdict; whether the bar is met."""
    routes: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        routes[sample.route].append(sample)
    print(TABLE_HEAD)
    for route in sorted(routes):
        print(table_row(route, routes[route]))
    print(table_row("**all**", samples))
    server_errors = sum(s.status >= 500 for s in samples)
    dropped = sum(s.status == 0 for s in samples)
    unexpected = Counter((s.route, s.status) for s in samples if not s.expected)
    print(f"\n{len(samples):,} requests in {window_s:.0f} s ({len(samples) / window_s:.0f}/s).")
    for (route, status), count in sorted(unexpected.items()):
        example = next(s.detail for s in samples if s.route == route and s.status == status)
        print(f"  unexpected: {route} -> {status or 'dropped'} x{count}: {example[:200]}")
    took = (
        f"done {video.finished_at - video.uploaded_at:.1f} s after its upload"
        if video.finished_at is not None and video.uploaded_at is not None
        else "did not finish"
    )
    print(
        f"Video job {video.job_id}: {video.state} ({took})"
        + (f"; error: {video.error}" if video.error else "")
    )
    print(
        f"Writes: {check.acknowledged:,} acknowledged, {check.stored:,} of them stored, "
        f"{len(check.missing)} missing; {check.unacknowledged} not acknowledged "
        f"({check.unacknowledged_stored} of those stored anyway); {check.duplicated} stored twice."
    )
    for write in check.missing[:5]:
        print(f"  missing: {write}")
    text = log.read_text(errors="replace")
    print(
        f"Server log: {text.count('Traceback')} tracebacks, "
        f"{text.count('database is locked')} 'database is locked', "
        f"{text.count('QueuePool limit')} pool timeouts."
    )
    met = (
        not server_errors
        and not dropped
        and not check.missing
        and check.duplicated == 0
        and video.state == "done"
    )
    ms = sorted(1000 * s.seconds for s in samples if s.status)
    print(
        f"\nBar (no answer >= 500, no dropped connection, every acknowledged write stored, the "
        f"video analysed): {'MET' if met else 'MISSED'} -- {server_errors} answers >= 500, "
        f"{dropped} dropped, {len(check.missing)} writes missing; "
        f"p50 {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms."
    )
    return met


# --- main -------------------------------------------------------------------------------------


def measure(args: argparse.Namespace, data: Path, env: dict[str, str]) -> bool:
    """Seed, serve, load, check, report; whether the bar is met."""
    video = synthetic_video(args.video_seconds, args.seed, env)
    print(f"Seeding the demo clinic into {data} ...", flush=True)
    run_command(hemispasm("demo", "--data", str(data)), env, data / "demo.log")
    port = free_port()
    run_id = uuid.uuid4().hex[:8]
    with running_server(data, env, port) as log:
        cast = make_cast(port, data / "demo-logins.txt", clients=args.clients, run_id=run_id)
        print(
            f"{len(cast.clinicians)} clinicians and {len(cast.patients)} patients for "
            f"{args.seconds:g} s, think {args.think_ms:g} ms; one {args.video_seconds:g} s video.",
            flush=True,
        )
        logs = [ClientLog() for _ in range(args.clients)]
        video_run = VideoRun()
        start = time.perf_counter()
        stop_at = start + args.seconds
        threads = [
            threading.Thread(
                target=run_client,
                args=(i, login),
                kwargs={
                    "port": port,
                    "cast": cast,
                    "run_id": run_id,
                    "seed": args.seed,
                    "stop_at": stop_at,
                    "think_s": args.think_ms / 1000,
                    "log": logs[i],
                },
                daemon=True,
            )
            for i, login in enumerate([*cast.clinicians, *cast.patients])
        ]
        follower = threading.Thread(
            target=follow_video,
            args=(port, cast, video),
            kwargs={"start_at": start + 1.0, "stop_at": stop_at, "run": video_run},
            daemon=True,
        )
        for thread in [*threads, follower]:
            thread.start()
        for thread in threads:
            thread.join()
        window_s = time.perf_counter() - start
        follower.join()
        writes = [w for log_ in logs for w in log_.writes]
        check = check_writes(port, cast.reader, writes, run_id)
    samples = [s for log_ in logs for s in log_.samples] + video_run.samples
    return report(samples, video_run, check, window_s=window_s, log=log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=20, help="how long they work")
    parser.add_argument("--think-ms", type=float, default=0, help="pause between requests")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to use (postgresql://user@host:port/db); "
        "default: the SQLite file in the data folder",
    )
    parser.add_argument("--video-seconds", type=float, default=60, help="the analysed video")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the data folder")
    args = parser.parse_args()
    if args.clients < 1 or args.seconds <= 0 or args.think_ms < 0 or args.video_seconds < 3:
        parser.error("need --clients >= 1, --seconds > 0, --think-ms >= 0, --video-seconds >= 3")
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error(f"--database-url must be a postgresql:// URL, got {args.database_url[:12]!r}")
    data = Path(tempfile.mkdtemp(prefix="hemispasm-load-"))
    env = os.environ | {"HEMISPASM_LOGIN_RATE_LIMIT": "100000/minute"}
    for name in ("HEMISPASM_DATABASE_URL", "HEMISPASM_JOBS_URL", "HEMISPASM_DATA_DIR"):
        env.pop(name, None)  # the embedded default unless asked otherwise
    try:
        if args.database_url:
            with scratch_postgres(args.database_url) as url:
                print(machine_line("PostgreSQL (scratch database)"))
                met = measure(args, data, env | {"HEMISPASM_DATABASE_URL": url})
        else:
            print(machine_line("SQLite (the embedded default)"))
            met = measure(args, data, env)
    finally:
        if args.keep:
            print(f"Data folder kept: {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
