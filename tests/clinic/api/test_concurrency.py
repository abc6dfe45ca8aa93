"""Many users at once on one server process: no 5xx, every acknowledged write stored.

The app opens its own database here (a migrated SQLite file, or a PostgreSQL schema of the
test's own), with its own pool, as ``hemispasm serve`` does; the requests come from threads at
the same time, so the app's thread pool really runs them side by side. Clinicians read pages
and the API (each read writes its audit row); patients add self-ratings through the API and the
diary's form, and read their summary and diary.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session

from hemispasm.clinic.api.deps import SESSION_COOKIE
from hemispasm.clinic.app import create_app
from hemispasm.clinic.db.engine import make_engine
from hemispasm.clinic.db.migrate import upgrade_to_head
from hemispasm.clinic.db.models import SelfRating
from hemispasm.clinic.services.accounts import open_session
from tests.clinic.api.conftest import TODAY, World, build_world, make_test_settings
from tests.clinic.conftest import POSTGRES_URL, postgres_schema_url, skip_or_fail_without_postgres

THREADS = 12
ROUNDS = 20  # a multiple of 4: each user sends each of their four requests as often


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database the test may commit into."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
        upgrade_to_head(url)
        yield url
        return
    skip_or_fail_without_postgres()
    schema = f"hs_load_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = postgres_schema_url(schema)
    try:
        upgrade_to_head(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass(frozen=True)
class Browser:
    """A browser session: its cookie header and CSRF token."""

    cookie: dict[str, str]
    csrf: str


@dataclass(frozen=True)
class People:
    """The personas with bearer tokens, and browser sessions of a clinician and two patients."""

    world: World
    browsers: dict[str, Browser]


@pytest.fixture
def people(fresh_url: str) -> People:
    """The personas of two clinics and their browser sessions, committed."""
    engine = make_engine(fresh_url)
    browsers = {}
    with Session(engine, expire_on_commit=False) as db:
        world = build_world(db, make_test_settings())
        for name in ("clinician_a", "patient_p1", "patient_p2"):
            login = open_session(db, world[name].user, kind="cookie", lifetime=timedelta(hours=1))
            assert login.csrf_token is not None
            browsers[name] = Browser(
                {"Cookie": f"{SESSION_COOKIE}={login.token}"}, login.csrf_token
            )
        db.commit()
    engine.dispose()
    return People(world, browsers)


class TransactionThreads:
    """Which transactions ended in another thread than the one that began them (a transaction
    left open when its route's thread finished, held while the request waited for the next)."""

    def __init__(self, engine: Engine) -> None:
        self.crossed: list[str] = []
        event.listen(engine, "begin", self._began)
        event.listen(engine, "commit", self._ended)
        event.listen(engine, "rollback", self._ended)

    def _began(self, conn: Any) -> None:
        conn.info["began_in"] = threading.get_ident()

    def _ended(self, conn: Any) -> None:
        began_in = conn.info.pop("began_in", None)
        if began_in is not None and began_in != threading.get_ident():
            self.crossed.append(threading.current_thread().name)


Request = Callable[[TestClient, int], "Sent"]


@dataclass(frozen=True)
class Sent:
    """An answer's status, and the (patient, note) of a rating the server said it kept."""

    status: int
    saved: tuple[int, str] | None = None


def clinician_requests(people: People) -> list[Request]:
    """A clinician's reads: API with a token, pages with the browser session."""
    token, browser = people.world["clinician_a"].headers, people.browsers["clinician_a"]
    p1 = people.world.patients["P1"]

    def get(path: str, headers: dict[str, str]) -> Request:
        return lambda client, n: Sent(client.get(path, headers=headers).status_code)

    return [
        get(f"/api/v1/patients/{p1}/timeline", token),
        get("/api/v1/patients?q=Demo", token),
        get("/worklist?due=overdue", browser.cookie),
        get(f"/patients/{p1}", browser.cookie),
    ]


def patient_requests(people: People, name: str, key: str, thread: int) -> list[Request]:
    """A patient's ratings (API and diary form) and reads (summary and diary page)."""
    token, browser = people.world[name].headers, people.browsers[name]
    patient_id = people.world.patients[key]
    ratings = f"/api/v1/patients/{patient_id}/self-ratings"
    day = TODAY.isoformat()

    def rate_by_api(client: TestClient, n: int) -> Sent:
        note = f"thread {thread} api {n}"
        body = {"rated_on": day, "score": n % 11, "note": note}
        r = client.post(ratings, json=body, headers=token)
        return Sent(r.status_code, (patient_id, note) if r.status_code == 201 else None)

    def rate_by_form(client: TestClient, n: int) -> Sent:
        note = f"thread {thread} form {n}"
        form = {"csrf_token": browser.csrf, "score": str(n % 11), "rated_on": day, "note": note}
        r = client.post(
            "/me/diary/rating", data=form, headers=browser.cookie, follow_redirects=False
        )
        kept = r.status_code == 303 and "saved=rating" in r.headers.get("location", "")
        return Sent(r.status_code, (patient_id, note) if kept else None)

    def read(path: str, headers: dict[str, str]) -> Request:
        return lambda client, n: Sent(client.get(path, headers=headers).status_code)

    return [
        rate_by_api,
        read(f"/api/v1/patients/{patient_id}/summary", token),
        rate_by_form,
        read("/me/diary", browser.cookie),
    ]


def run_users(client: TestClient, people: People) -> list[Sent]:
    """Six clinicians and six patients at once, each sending ``ROUNDS`` requests in turn."""
    sent: list[Sent] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def user(requests: list[Request]) -> None:
        start.wait()
        for n in range(ROUNDS):
            answer = requests[n % len(requests)](client, n)
            with lock:
                sent.append(answer)

    work = [clinician_requests(people) for _ in range(THREADS // 2)]
    for i in range(THREADS - len(work)):
        name, key = (("patient_p1", "P1"), ("patient_p2", "P2"))[i % 2]
        work.append(patient_requests(people, name, key, i))
    threads = [threading.Thread(target=user, args=(requests,)) for requests in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sent


def test_many_clinicians_and_patients_at_once_get_no_server_error_and_lose_no_write(
    fresh_url: str, people: People, tmp_path: Path
) -> None:
    settings = make_test_settings(
        database_url=fresh_url, data_dir=tmp_path / "data", embedded_worker=False
    )
    app = create_app(settings, clock=lambda: TODAY)
    transactions = TransactionThreads(app.state.own_engine)

    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        sent = run_users(client, people)
        assert client.portal is not None
        threads = client.portal.call(
            lambda: to_thread.current_default_thread_limiter().total_tokens
        )

    statuses = Counter(answer.status for answer in sent)
    writes = THREADS // 2 * ROUNDS // 4  # per kind of rating
    assert statuses == Counter({200: THREADS * ROUNDS - 2 * writes, 201: writes, 303: writes})
    saved = {answer.saved for answer in sent if answer.saved}
    engine = make_engine(fresh_url)
    with Session(engine) as db:
        stored = {(row.patient_id, row.note) for row in db.scalars(select(SelfRating))}
    engine.dispose()
    assert len(saved) == 2 * writes and saved <= stored
    assert transactions.crossed == []
    assert threads == settings.server_threads
