"""Server time of every page under concurrent clients, on the clinic that seed_clinic.py seeded.

The pages' bar: with 20 concurrent clients, each page's server time is at most 300 ms at p95.
Server time is what the app's ``Server-Timing`` header reports: from the request's arrival to
the answer's headers (the network and this client's own work are left out; the latency seen by
the client is printed beside it).

Each workload is one page, its subject drawn at random for every request: a random patient, a
random session of theirs, their two analysed videos. Clinician pages are opened with the seeded
clinicians' browser sessions, the patient's pages with the sessions of the 20 patients who have a
login. Server start, clients and CPU accounting are those of bench_api.py.

Usage::

    .venv/bin/python benchmarks/bench_pages.py [--workers 2] [--clients 20] [--seconds 15]
        [--think-ms 0] [--warmup 3] [--pages worklist,patient,...] [--seed 1]

Prints a Markdown table to paste into the README.
"""

from __future__ import annotations

import http.client
import json
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from bench_api import (
    CONFIG_FILE,
    Headers,
    Result,
    Workload,
    check_load_arguments,
    free_port,
    get,
    load_arguments,
    machine_line,
    measure,
    running_server,
)
from sqlalchemy import make_url

from hemispasm.clinic.api.deps import SESSION_COOKIE

BAR_SERVER_P95_MS = 300.0


@dataclass(frozen=True)
class Subject:
    """A seeded patient with what their pages need: a session and two analysed videos."""

    patient_id: int
    session_id: int
    analyses: tuple[int, int]


def load_subjects(url: str, limit: int = 2000) -> list[Subject]:
    """Patients with a session and two analyses, up to ``limit``, chosen by id."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    query = """
        SELECT s.patient_id, max(s.id), min(v.id), max(v.id)
        FROM injection_sessions s JOIN video_analyses v ON v.patient_id = s.patient_id
        GROUP BY s.patient_id HAVING count(DISTINCT v.id) >= 2
        ORDER BY s.patient_id LIMIT %s
    """
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(query, (limit,)).fetchall()
    return [Subject(p, s, (a, b)) for p, s, a, b in rows]


def cookie(token: str) -> Headers:
    """The browser-session cookie."""
    return {"Cookie": f"{SESSION_COOKIE}={token}"}


def page_workloads(
    subjects: Sequence[Subject], clinician_tokens: Sequence[str], patient_tokens: Sequence[str]
) -> dict[str, Workload]:
    """One workload per page: the clinician's pages, then the patient's, then the public ones."""

    def clinician(index: int) -> Headers:
        return cookie(clinician_tokens[index % len(clinician_tokens)])

    def patient(index: int) -> Headers:
        return cookie(patient_tokens[index % len(patient_tokens)])

    def anyone(index: int) -> Headers:
        return {}

    def of_subject(make: Callable[[Subject], str]) -> Callable[[random.Random], str]:
        return lambda rng: make(rng.choice(subjects))

    forms = ("assessments", "adverse-events", "diagnoses", "mri-studies", "surgeries")
    clinician_pages: dict[str, Callable[[random.Random], str]] = {
        "worklist": lambda rng: f"/worklist?due=overdue&page={rng.randint(1, 5)}",
        "search": lambda rng: f"/worklist?due=&q=Bench+Patient+{rng.randint(10, 999)}",
        "patient": of_subject(lambda s: f"/patients/{s.patient_id}"),
        "session_form": of_subject(lambda s: f"/patients/{s.patient_id}/sessions/new?from=last"),
        "session": of_subject(lambda s: f"/patients/{s.patient_id}/sessions/{s.session_id}"),
        "record_form": lambda rng: (
            f"/patients/{rng.choice(subjects).patient_id}/{rng.choice(forms)}/new"
        ),
        "videos": of_subject(lambda s: f"/patients/{s.patient_id}/videos"),
        "report": of_subject(lambda s: f"/patients/{s.patient_id}/videos/{s.analyses[0]}"),
        "compare": of_subject(
            lambda s: f"/patients/{s.patient_id}/videos/compare?a={s.analyses[0]}&b={s.analyses[1]}"
        ),
    }
    patient_pages: dict[str, Callable[[random.Random], str]] = {
        "me": lambda rng: "/me",
        "diary": lambda rng: "/me/diary",
        "my_videos": lambda rng: "/me/videos",
        "record": lambda rng: "/me/record",
    }
    public_pages: dict[str, Callable[[random.Random], str]] = {
        "login": lambda rng: "/login",
        "education": lambda rng: "/education",
    }
    chosen: dict[str, Workload] = {}
    for pages, credentials in (
        (clinician_pages, clinician),
        (patient_pages, patient),
        (public_pages, anyone),
    ):
        for name, make_path in pages.items():
            chosen[name] = Workload(name, make_path, credentials)
    return chosen


def check_pages(port: int, chosen: dict[str, Workload]) -> None:
    """Every page answers 200 once before anything is measured."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    rng = random.Random(0)
    for workload in chosen.values():
        path = workload.make_path(rng)
        status, body, _ = get(conn, path, workload.credentials(0) if workload.credentials else {})
        if status != 200:
            raise RuntimeError(f"{workload.name}: GET {path} answered {status}: {body[:300]!r}")
    conn.close()


TABLE_HEADER = (
    "| page | requests | errors | server p50 ms | server p95 ms | client p95 ms "
    "| CPU ms/req app / PostgreSQL |\n| --- | ---: | ---: | ---: | ---: | ---: | --- |"
)


def table_row(result: Result) -> str:
    """One page's figures as a row of the README's table."""
    return (
        f"| {result.workload} | {result.requests:,} | {result.errors} "
        f"| {result.server_p50_ms:.0f} | {result.server_p95_ms:.0f} | {result.p95_ms:.0f} "
        f"| {result.server_cpu_ms:.1f} / {result.postgres_cpu_ms:.1f} |"
    )


def main() -> None:
    parser = load_arguments(__doc__.splitlines()[0], seconds=15, warmup=3)
    parser.add_argument("--pages", default="", help="comma-separated page names (default: all)")
    args = parser.parse_args()
    check_load_arguments(parser, args)
    config: dict[str, Any] = json.loads(CONFIG_FILE.read_text())
    if not config.get("clinician_cookies") or not config.get("patient_cookies"):
        parser.error(f"{CONFIG_FILE} has no browser sessions: run benchmarks/seed_clinic.py again")
    subjects = load_subjects(config["url"])
    if not subjects:
        parser.error("no seeded patient has a session and two analysed videos: seed again")
    chosen = page_workloads(subjects, config["clinician_cookies"], config["patient_cookies"])
    if args.pages:
        wanted = [p.strip() for p in args.pages.split(",") if p.strip()]
        unknown = sorted(set(wanted) - set(chosen))
        if unknown:
            parser.error(f"unknown pages {unknown}; known: {', '.join(chosen)}")
        chosen = {name: chosen[name] for name in wanted}

    print(machine_line(config["url"]))
    print(
        f"Schema {config['schema']!r} seeded {config['seeded_on']}: "
        f"{config['counts']['patients']:,} patients; {len(subjects):,} drawn from; "
        f"{args.clients} clients, think {args.think_ms:g} ms; load "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    port = free_port()
    results: list[Result] = []
    with running_server(config["url"], workers=args.workers, port=port) as server:
        check_pages(port, chosen)
        for workload in chosen.values():
            result = measure(workload, server=server, port=port, config=config, args=args)
            results.append(result)
            met = result.server_p95_ms <= BAR_SERVER_P95_MS and not result.errors
            print(
                f"{workload.name}: server p95 {result.server_p95_ms:.0f} ms "
                f"({'meets' if met else 'MISSES'} <= {BAR_SERVER_P95_MS:g}), client p95 "
                f"{result.p95_ms:.0f} ms, {result.requests:,} requests, {result.errors} errors"
                + (f"; first error: {result.first_error}" if result.first_error else ""),
                flush=True,
            )
    print()
    print(TABLE_HEADER)
    for result in results:
        print(table_row(result))


if __name__ == "__main__":
    main()
