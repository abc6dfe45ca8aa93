"""Who may call which route: every route, as every persona, anonymously and from another clinic.

``POLICY`` writes down once what each route promises; a route of the app missing from it (or a
stale entry) fails the suite, so a new route cannot ship untested. Every call of the matrix runs
inside a savepoint that is rolled back afterwards, so a DELETE or PATCH never changes what the
next call finds, and a denied write is checked to have changed no row of any table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event, select

from hemispasm.clinic.app import create_app
from hemispasm.clinic.db.base import Base
from hemispasm.clinic.db.models import AuditEvent
from hemispasm.clinic.domain.vocab import AnalysisSource, Reporter, Role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.records import create_record
from hemispasm.clinic.services.videos import VIDEO_ANALYSES
from hemispasm.clinic.settings import Settings
from tests.clinic.api.conftest import PASSWORD, TODAY, World
from tests.clinic.conftest import session_on
from tests.clinic.jobs.helpers import video_bytes
from tests.clinic.photos import jpeg
from tests.clinic.reviews import attach_report

API = "/api/v1"
RESULT: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "data" / "result_synthetic_left.json").read_text()
)
MISSING_ID = 987_654_321


# --- who calls, and at what ---------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """A persona of the test world, or nobody (``role`` None)."""

    name: str
    role: Role | None
    clinic: str | None
    patient: str | None = None
    """The patient record a patient account is linked to."""


ANONYMOUS = Caller("anonymous", None, None)
CALLERS = (
    ANONYMOUS,
    Caller("admin_a", Role.ADMIN, "A"),
    Caller("clinician_a", Role.CLINICIAN, "A"),
    Caller("patient_p1", Role.PATIENT, "A", "P1"),
    Caller("patient_p2", Role.PATIENT, "A", "P2"),
    Caller("admin_b", Role.ADMIN, "B"),
    Caller("clinician_b", Role.CLINICIAN, "B"),
    Caller("patient_q1", Role.PATIENT, "B", "Q1"),
)
CALLER = {c.name: c for c in CALLERS}


@dataclass(frozen=True)
class Target:
    """What a call is aimed at; ``clinic`` None means the caller's own clinic."""

    label: str
    clinic: str | None = None
    patient: str | None = None
    """The patient in the path."""
    record_of: str | None = None
    """The patient whose record's id is in the path."""
    by_clinic: bool = False
    """The record in the path is one the clinic entered, of a kind the patient reports too."""
    user: str | None = None
    """The persona whose account id is in the path."""
    callers: tuple[str, ...] = tuple(CALLER)
    """Who the matrix sends at this target."""


OWN_CLINIC = Target("own clinic")
P1 = Target("P1", "A", patient="P1")
P1_RECORD = Target("P1's record", "A", "P1", "P1")
CLINICIAN_A_ACCOUNT = Target("clinician_a's account", "A", user="clinician_a")
Q1 = Target("Q1", "B", patient="Q1", callers=("clinician_a",))
Q1_RECORD = Target("Q1's record", "B", "Q1", "Q1", callers=("clinician_a",))
CLINICIAN_B_ACCOUNT = Target("clinician_b's account", "B", user="clinician_b", callers=("admin_a",))
P2 = Target("P2", "A", patient="P2", callers=("patient_p1",))
P2_RECORD = Target("P2's record", "A", "P2", "P2", callers=("patient_p1",))
P2_RECORD_UNDER_P1 = Target("P2's record under P1", "A", "P1", "P2")
P1_CLINIC_RECORD = Target(
    "P1's record entered by the clinic",
    "A",
    "P1",
    "P1",
    by_clinic=True,
    callers=("clinician_a", "patient_p1", "patient_p2", "admin_a"),
)
REPORTABLE = frozenset({"self-ratings", "adverse-events", "cycles", "video-analyses"})
"""Kinds of record a patient reports too: each also has one the clinic entered for P1."""
IN_CLINIC = {
    "A": {"{record_id}": P1_RECORD, "{patient_id}": P1, "{user_id}": CLINICIAN_A_ACCOUNT},
    "B": {"{record_id}": Q1_RECORD, "{patient_id}": Q1, "{user_id}": CLINICIAN_B_ACCOUNT},
}
"""The target of each kind of path in each clinic, innermost id first."""


def target_in(route: str, clinic: str) -> Target | None:
    """The target of ``route`` in ``clinic``; None for a route without ids (own clinic only)."""
    return next((t for param, t in IN_CLINIC[clinic].items() if param in route), None)


def targets_of(route: str) -> tuple[Target, ...]:
    """Every target a route is called on in the matrix: clinic A's, P2's (as patient_p1) and
    clinic B's (as clinician_a, and clinician_b's account as admin_a)."""
    here = target_in(route, "A")
    if here is None:
        return (OWN_CLINIC,)
    other_patient = P2_RECORD if here is P1_RECORD else P2 if here is P1 else None
    by_clinic = P1_CLINIC_RECORD if here is P1_RECORD and kind_of(route) in REPORTABLE else None
    targets = (here, by_clinic, other_patient, target_in(route, "B"))
    return tuple(t for t in targets if t is not None)


def kind_of(route: str) -> str:
    """The kind of patient record a route is about ("self-ratings"), or "" for none."""
    parts = route.split(" ", 1)[1].split("/")
    return parts[3] if len(parts) > 3 and parts[1] == "patients" else ""


# --- the policy ---------------------------------------------------------------------------------


class Rule(Enum):
    """Who a route is for (always within the caller's own clinic)."""

    PUBLIC = "anyone, logged in or not"
    LOGGED_IN = "any logged-in user"
    ADMIN = "admins"
    STAFF = "admins and clinicians"
    CLINICIAN = "clinicians"
    CARE_TEAM = "clinicians of the patient's clinic"
    CARE_TEAM_AND_PATIENT = "clinicians of the patient's clinic and the patient themselves"
    CARE_TEAM_AND_REPORTER = (
        "clinicians of the patient's clinic, and the patient for what they reported themselves"
    )


def record_routes(
    kind: str, rule: Rule, operations: str = "list create read update delete"
) -> dict[str, Rule]:
    """The policy of the routes of one kind of patient record."""
    shapes = {
        "list": f"GET /patients/{{patient_id}}/{kind}",
        "create": f"POST /patients/{{patient_id}}/{kind}",
        "read": f"GET /patients/{{patient_id}}/{kind}/{{record_id}}",
        "update": f"PATCH /patients/{{patient_id}}/{kind}/{{record_id}}",
        "delete": f"DELETE /patients/{{patient_id}}/{kind}/{{record_id}}",
    }
    return {shapes[op]: rule for op in operations.split()}


POLICY: dict[str, Rule] = {
    "GET /health": Rule.PUBLIC,
    "POST /auth/login": Rule.PUBLIC,
    "POST /auth/token": Rule.PUBLIC,
    "POST /auth/logout": Rule.LOGGED_IN,
    "GET /auth/me": Rule.LOGGED_IN,
    "GET /users": Rule.ADMIN,
    "POST /users": Rule.ADMIN,
    "GET /users/{user_id}": Rule.ADMIN,
    "PATCH /users/{user_id}": Rule.ADMIN,
    "GET /clinic": Rule.STAFF,
    "PATCH /clinic": Rule.ADMIN,
    "GET /audit-events": Rule.ADMIN,
    "GET /patients": Rule.CLINICIAN,
    "GET /video-analyses": Rule.CLINICIAN,
    "POST /patients": Rule.CLINICIAN,
    "GET /patients/{patient_id}": Rule.CARE_TEAM,
    "PATCH /patients/{patient_id}": Rule.CARE_TEAM,
    "DELETE /patients/{patient_id}": Rule.CARE_TEAM,
    "GET /patients/{patient_id}/timeline": Rule.CARE_TEAM,
    "GET /patients/{patient_id}/summary": Rule.CARE_TEAM_AND_PATIENT,
    **record_routes("diagnoses", Rule.CARE_TEAM),
    **record_routes("mri-studies", Rule.CARE_TEAM),
    **record_routes("sessions", Rule.CARE_TEAM),
    "GET /patients/{patient_id}/sessions/{record_id}/records": Rule.CARE_TEAM,
    "PUT /patients/{patient_id}/sessions/{record_id}/records": Rule.CARE_TEAM,
    # a session's photos: the clinic attaches and deletes them; the patient may see their own
    "POST /patients/{patient_id}/sessions/{record_id}/photos": Rule.CARE_TEAM,
    "GET /patients/{patient_id}/sessions/{record_id}/photos": Rule.CARE_TEAM_AND_PATIENT,
    "GET /patients/{patient_id}/sessions/{record_id}/photos/{photo_id}": (
        Rule.CARE_TEAM_AND_PATIENT
    ),
    "GET /patients/{patient_id}/sessions/{record_id}/photos/{photo_id}/image": (
        Rule.CARE_TEAM_AND_PATIENT
    ),
    "GET /patients/{patient_id}/sessions/{record_id}/photos/{photo_id}/thumbnail": (
        Rule.CARE_TEAM_AND_PATIENT
    ),
    "DELETE /patients/{patient_id}/sessions/{record_id}/photos/{photo_id}": Rule.CARE_TEAM,
    "GET /patients/{patient_id}/dose-history": Rule.CARE_TEAM,
    **record_routes("cycles", Rule.CARE_TEAM_AND_PATIENT, "list read"),
    **record_routes("cycles", Rule.CARE_TEAM_AND_REPORTER, "update"),
    # patients add their own reports and correct them; deleting is the clinic's
    **record_routes("adverse-events", Rule.CARE_TEAM_AND_PATIENT, "list create read"),
    **record_routes("adverse-events", Rule.CARE_TEAM_AND_REPORTER, "update"),
    **record_routes("adverse-events", Rule.CARE_TEAM, "delete"),
    "POST /patients/{patient_id}/adverse-events/{record_id}/acknowledgement": Rule.CARE_TEAM,
    "GET /urgent-reports": Rule.CLINICIAN,
    **record_routes("assessments", Rule.CARE_TEAM),
    **record_routes("self-ratings", Rule.CARE_TEAM_AND_PATIENT, "list create read"),
    **record_routes("self-ratings", Rule.CARE_TEAM_AND_REPORTER, "update"),
    **record_routes("self-ratings", Rule.CARE_TEAM, "delete"),
    # analyses come from uploaded videos; a result sent in is a clinician's import
    **record_routes("video-analyses", Rule.CARE_TEAM_AND_PATIENT, "list read"),
    **record_routes("video-analyses", Rule.CARE_TEAM, "create delete"),
    **record_routes("video-analyses", Rule.CARE_TEAM_AND_REPORTER, "update"),
    **record_routes("surgeries", Rule.CARE_TEAM),
    "POST /patients/{patient_id}/videos": Rule.CARE_TEAM_AND_PATIENT,
    "GET /patients/{patient_id}/jobs": Rule.CARE_TEAM_AND_PATIENT,
    "GET /patients/{patient_id}/jobs/{record_id}": Rule.CARE_TEAM_AND_PATIENT,
    "GET /patients/{patient_id}/video-analyses/{record_id}/corrections": Rule.CARE_TEAM,
    "POST /patients/{patient_id}/video-analyses/{record_id}/events/{key}/corrections": (
        Rule.CARE_TEAM
    ),
    "POST /patients/{patient_id}/video-analyses/{record_id}/events": Rule.CARE_TEAM,
    "GET /patients/{patient_id}/video-analyses/{record_id}/labels": Rule.CARE_TEAM,
    "GET /patients/{patient_id}/fhir": Rule.CARE_TEAM_AND_PATIENT,
    "GET /exports/csv": Rule.CLINICIAN,
    "GET /patients/{patient_id}/exports/csv": Rule.CARE_TEAM_AND_PATIENT,
    "GET /patients/{patient_id}/next-injection.ics": Rule.CARE_TEAM_AND_PATIENT,
}
"""Every route of the API (method and path after /api/v1) and who it is for."""


def is_allowed(rule: Rule, caller: Caller, target: Target) -> bool:
    """Whether the policy lets ``caller`` call a route of ``rule`` on ``target``."""
    if rule is Rule.PUBLIC:
        return True
    if caller.role is None:
        return False
    if rule is Rule.LOGGED_IN:
        return True
    if target.clinic not in (None, caller.clinic):
        return False
    if target.record_of not in (None, target.patient):
        return False
    if rule is Rule.ADMIN:
        return caller.role is Role.ADMIN
    if rule is Rule.STAFF:
        return caller.role in (Role.ADMIN, Role.CLINICIAN)
    if caller.role is Role.CLINICIAN:
        return True
    if caller.role is not Role.PATIENT or caller.patient != target.patient:
        return False
    if rule is Rule.CARE_TEAM_AND_REPORTER:
        return not target.by_clinic
    return rule is Rule.CARE_TEAM_AND_PATIENT


# --- request bodies -----------------------------------------------------------------------------

SESSION = {
    "session_on": "2026-06-10",
    "product": "onabotulinumtoxinA",
    "dilution_units_per_0_1_ml": 2.5,
    "early_reason": "test",
    "sites": [{"muscle": "procerus", "side": "left", "units": 2}],
}
BODIES: dict[str, dict[str, Any]] = {
    "POST /users": {
        "email": "new.colleague@example.org",
        "password": "a long enough password",
        "role": "clinician",
        "display_name": "New Colleague",
    },
    "PATCH /users/{user_id}": {"display_name": "Renamed Account"},
    "PATCH /clinic": {"due_soon_days": 21},
    "POST /patients": {"mrn": "A-900", "name": "Demo Patient 900"},
    "PATCH /patients/{patient_id}": {"phone": "+49 30 5550100"},
    "POST /patients/{patient_id}/diagnoses": {
        "affected_side": "left",
        "diagnosed_on": "2026-06-01",
    },
    "PATCH /patients/{patient_id}/diagnoses/{record_id}": {"notes": "confirmed"},
    "POST /patients/{patient_id}/mri-studies": {"study_on": "2026-06-02", "vessels": ["aica"]},
    "PATCH /patients/{patient_id}/mri-studies/{record_id}": {"notes": "second reading"},
    "POST /patients/{patient_id}/sessions": SESSION,
    "PATCH /patients/{patient_id}/sessions/{record_id}": {"notes": "well tolerated"},
    "PUT /patients/{patient_id}/sessions/{record_id}/records": {
        "vials": [
            {
                "vial_units": 100,
                "lot": "C1234",
                "expiry_on": "2027-01-31",
                "diluent_ml": 2.5,
                "units_drawn_up": 5,
            }
        ],
        "consent": {"consented_on": "2026-03-02", "kind": "verbal"},
    },
    "PATCH /patients/{patient_id}/cycles/{record_id}": {"effect_began_on": "2026-03-05"},
    "POST /patients/{patient_id}/adverse-events": {
        "effect": "ptosis",
        "severity": "mild",
        "onset_on": "2026-06-12",
    },
    "PATCH /patients/{patient_id}/adverse-events/{record_id}": {"resolved_on": "2026-06-14"},
    "POST /patients/{patient_id}/adverse-events/{record_id}/acknowledgement": {},
    "POST /patients/{patient_id}/assessments": {
        "assessed_on": "2026-06-10",
        "jankovic_severity": 2,
        "jankovic_frequency": 2,
    },
    "PATCH /patients/{patient_id}/assessments/{record_id}": {"smc_grade": 2},
    "POST /patients/{patient_id}/self-ratings": {"rated_on": "2026-06-14", "score": 4},
    "PATCH /patients/{patient_id}/self-ratings/{record_id}": {"score": 3},
    "POST /patients/{patient_id}/video-analyses": {"recorded_on": "2026-06-01", "result": RESULT},
    "PATCH /patients/{patient_id}/video-analyses/{record_id}": {"notes": "good light"},
    "POST /patients/{patient_id}/surgeries": {
        "surgery_on": "2026-05-02",
        "side": "left",
        "vessels": ["aica"],
    },
    "PATCH /patients/{patient_id}/surgeries/{record_id}": {"outcome": "complete"},
    "POST /patients/{patient_id}/video-analyses/{record_id}/events/{key}/corrections": {
        "action": "confirm"
    },
    "POST /patients/{patient_id}/video-analyses/{record_id}/events": {
        "start_s": 0.5,
        "end_s": 0.8,
        "kind": "blink",
        "side": "both",
    },
}
"""A valid body for every route that takes one (logging in is per caller: ``body_of``)."""
FILES: dict[str, dict[str, tuple[str, bytes, str]]] = {
    "POST /patients/{patient_id}/videos": {"file": ("clip.mp4", video_bytes(), "video/mp4")},
    "POST /patients/{patient_id}/sessions/{record_id}/photos": {
        "file": ("face.jpg", jpeg(), "image/jpeg")
    },
}
"""A valid multipart body for every upload route (sent instead of JSON)."""

LOGIN_ROUTES = frozenset({"POST /auth/login", "POST /auth/token"})

EXISTING: dict[str, dict[str, Any]] = {
    "sessions": SESSION | {"session_on": "2026-03-02", "early_reason": None},
    "diagnoses": {"affected_side": "left", "onset_on": "2024-05-01"},
    "mri-studies": {"study_on": "2024-06-01", "compression_found": True, "vessels": ["aica"]},
    "adverse-events": {"effect": "tearing", "severity": "mild", "onset_on": "2026-03-09"},
    "assessments": {"assessed_on": "2026-03-02", "jankovic_severity": 3, "jankovic_frequency": 3},
    "self-ratings": {"rated_on": "2026-06-01", "score": 6},
    "video-analyses": {"recorded_on": "2026-06-01", "result": RESULT},
    "surgeries": {"surgery_on": "2025-01-15", "side": "left", "vessels": ["aica"]},
}
"""The record of each kind every patient already has (sessions first: effects refer to one)."""
REPORTED_BY_THE_PATIENT = frozenset({"self-ratings", "adverse-events"})
"""Kinds whose existing record the patient entered (the patient's analysis is the server's,
of a video they uploaded; the clinic enters one of each of these kinds for P1 as well)."""
CLINIC_ENTERED: dict[str, tuple[str, dict[str, Any]]] = {
    "self-ratings": ("self-ratings", {"rated_on": "2026-06-02", "score": 7}),
    "adverse-events": (
        "adverse-events",
        {"effect": "breathing_difficulty", "severity": "severe", "onset_on": "2026-03-10"},
    ),
    "video-analyses": ("video-analyses", {"recorded_on": "2026-05-20", "result": RESULT}),
    "cycles": ("sessions", SESSION | {"session_on": "2025-11-03"}),
}
"""What the clinic enters for P1 of each kind a patient reports too (a cycle: a session whose
course the clinician then records)."""


def body_of(route: str, caller: Caller) -> dict[str, Any] | None:
    """A valid body; for logging in, the caller's credentials (clinician_a's if anonymous)."""
    if route in LOGIN_ROUTES:
        email = f"{'clinician_a' if caller.role is None else caller.name}@example.org"
        return {"email": email, "password": PASSWORD}
    return BODIES.get(route)


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The shared test settings, with room for the matrix's many logins, and a data folder of
    the test's own for the uploaded videos."""
    return settings.model_copy(update={"login_rate_limit": "10000/minute", "data_dir": tmp_path})


@pytest.fixture
def client(connection: Connection, settings: Settings) -> Iterator[TestClient]:
    """As the shared client, but a server error is answered (500) and reported, not raised."""
    app = create_app(settings, session_factory=lambda: session_on(connection), clock=lambda: TODAY)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


@dataclass(frozen=True)
class Scene:
    """The world of two clinics, with one record of each kind for P1, P2 and Q1."""

    world: World
    records: dict[tuple[str, str], int]
    """Record id by (kind, patient), e.g. ("self-ratings", "P1")."""

    def url(self, route: str, target: Target, *, missing: bool = False) -> str:
        """The URL of ``route`` aimed at ``target``, or if ``missing`` at ids that exist nowhere."""
        path = route.split(" ", 1)[1]
        values: dict[str, int] = {}
        if target.patient is not None:
            values["patient_id"] = self.world.patients[target.patient]
        if target.record_of is not None:
            kind = path.split("/")[3]
            owner = f"{target.record_of} by clinic" if target.by_clinic else target.record_of
            values["record_id"] = self.records[kind, owner]
            if "{photo_id}" in path:  # a photo of that session
                values["photo_id"] = self.records["photos", owner]
        if target.user is not None:
            values["user_id"] = self.world[target.user].user.id
        if missing:
            values = dict.fromkeys(values, MISSING_ID)
        return API + path.format(**values, key="e1")  # an event: the analysis's first

    def call(
        self,
        client: TestClient,
        route: str,
        caller: Caller,
        target: Target,
        *,
        missing: bool = False,
        headers: dict[str, str] | None = None,
    ) -> httpx2.Response:
        """Call ``route`` on ``target`` as ``caller`` (or with ``headers``), with a valid body."""
        method = route.split(" ", 1)[0]
        if headers is None:
            headers = {} if caller.role is None else self.world[caller.name].headers
        url = self.url(route, target, missing=missing)
        try:
            if route in FILES:
                return client.request(method, url, headers=headers, files=FILES[route])
            return client.request(method, url, headers=headers, json=body_of(route, caller))
        finally:
            client.cookies.clear()  # a login's cookie must not log in the next caller


def analysed_by_the_server(
    connection: Connection, world: World, patient: str, values: dict[str, Any]
) -> int:
    """Store an analysis as the job runner does for a video the patient uploaded: its id."""
    persona = world[patient]
    actor = Actor(
        user_id=persona.user.id,
        clinic_id=persona.user.clinic_id,
        role=Role.PATIENT,
        patient_id=persona.user.patient_id,
        request="analysis job (test scene)",
        today=TODAY,
    )
    assert persona.user.patient_id is not None
    source = {"source": AnalysisSource.ANALYSIS, "recorded_on": date.fromisoformat("2026-06-01")}
    with session_on(connection) as db:
        row = create_record(db, actor, VIDEO_ANALYSES, persona.user.patient_id, values | source)
        assert row.reported_by is Reporter.PATIENT and row.source is AnalysisSource.ANALYSIS
        return int(row.id)


def clinic_entered_records(client: TestClient, world: World) -> dict[tuple[str, str], int]:
    """P1's records that clinician_a entered, of each kind P1 reports too (``CLINIC_ENTERED``)."""
    records: dict[tuple[str, str], int] = {}
    base = f"{API}/patients/{world.patients['P1']}"
    headers = world["clinician_a"].headers
    for kind, (path, body) in CLINIC_ENTERED.items():
        r = client.post(f"{base}/{path}", json=body, headers=headers)
        assert r.status_code == 201, f"the clinic could not add {kind} of P1: {r.text}"
        records[kind, "P1 by clinic"] = r.json()["id"]
    course = {"effect_began_on": "2025-11-08"}
    r = client.patch(
        f"{base}/cycles/{records['cycles', 'P1 by clinic']}", json=course, headers=headers
    )
    assert r.status_code == 200 and r.json()["course_reported_by"] == "clinician", r.text
    return records


@pytest.fixture
def scene(client: TestClient, world: World, connection: Connection, settings: Settings) -> Scene:
    """Every patient's records, entered by their clinician (or, for their diary, themselves; their
    analysis by the server, of a video they uploaded); each video analysis with the report folder
    of a finished job, so that it can be corrected. P1 also has one record of each kind they
    report that the clinic entered (``CLINIC_ENTERED``)."""
    records: dict[tuple[str, str], int] = {}
    for key, clinician, patient in (
        ("P1", "clinician_a", "patient_p1"),
        ("P2", "clinician_a", "patient_p2"),
        ("Q1", "clinician_b", "patient_q1"),
    ):
        for kind, body in EXISTING.items():
            author = patient if kind in REPORTED_BY_THE_PATIENT else clinician
            if kind == "adverse-events":
                body = body | {"session_id": records["sessions", key]}
            if kind == "video-analyses":
                records[kind, key] = analysed_by_the_server(connection, world, patient, body)
                continue
            r = client.post(
                f"{API}/patients/{world.patients[key]}/{kind}",
                json=body,
                headers=world[author].headers,
            )
            assert r.status_code == 201, f"{author} could not add {kind} of {key}: {r.text}"
            records[kind, key] = r.json()["id"]
        records["cycles", key] = records["sessions", key]
        r = client.post(
            f"{API}/patients/{world.patients[key]}/sessions/{records['sessions', key]}/photos",
            files=FILES["POST /patients/{patient_id}/sessions/{record_id}/photos"],
            headers=world[clinician].headers,
        )
        assert r.status_code == 201, f"{clinician} could not attach a photo: {r.text}"
        records["photos", key] = r.json()["id"]
        if key == "P1":
            records |= clinic_entered_records(client, world)
        r = client.post(
            f"{API}/patients/{world.patients[key]}/videos",
            files=FILES["POST /patients/{patient_id}/videos"],
            headers=world[patient].headers,
        )
        assert r.status_code == 202, f"{patient} could not upload a video: {r.text}"
        records["jobs", key] = r.json()["id"]
        with session_on(connection) as db:
            attach_report(
                db,
                settings,
                patient_id=world.patients[key],
                analysis_id=records["video-analyses", key],
                uploaded_by=world[patient].user.id,
                result=RESULT,
            )
            if key == "P1":
                attach_report(
                    db,
                    settings,
                    patient_id=world.patients[key],
                    analysis_id=records["video-analyses", "P1 by clinic"],
                    uploaded_by=world[clinician].user.id,
                    result=RESULT,
                )
    return Scene(world, records)


def app_routes(client: TestClient) -> list[str]:
    """Every route of the app's OpenAPI document, as "METHOD /path" after /api/v1, sorted."""
    paths: dict[str, dict[str, Any]] = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    routes: set[str] = set()
    for path, operations in paths.items():
        assert path.startswith(API), f"route outside {API}: {path}"
        routes.update(f"{method.upper()} {path.removeprefix(API)}" for method in operations)
    return sorted(routes)


Snapshot = dict[str, list[tuple[Any, ...]]]
NOT_DATA = frozenset({"audit_events"})
"""Tables whose new rows do not count as a change (recording an attempt is no change)."""
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


def snapshot(connection: Connection) -> Snapshot:
    """Every row of every data table, in key order."""
    return {
        table.name: [
            tuple(row)
            for row in connection.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in Base.metadata.sorted_tables
        if table.name not in NOT_DATA
    }


@dataclass
class Probe:
    """Calls made inside a savepoint that is rolled back, noting any data they changed."""

    client: TestClient
    scene: Scene
    connection: Connection
    baseline: Snapshot
    written: set[str]
    """Tables that SQL statements wrote to since the last call began."""

    def call(
        self,
        route: str,
        caller: Caller,
        target: Target,
        *,
        missing: bool = False,
        watch: bool = True,
    ) -> tuple[httpx2.Response, list[str]]:
        """The answer, and (if ``watch``) the tables whose rows differ afterwards."""
        self.written.clear()
        savepoint = self.connection.begin_nested()
        try:
            r = self.scene.call(self.client, route, caller, target, missing=missing)
            changed = []
            if watch and self.written - NOT_DATA:
                after = snapshot(self.connection)
                changed = [name for name, rows in self.baseline.items() if after[name] != rows]
        finally:
            savepoint.rollback()
        return r, changed


@pytest.fixture
def probe(client: TestClient, scene: Scene, connection: Connection) -> Iterator[Probe]:
    """A probe on the scene; every statement that writes is noticed."""
    written: set[str] = set()

    def notice(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if match := WRITE.match(statement):
            written.add(match.group(1).lower())

    event.listen(connection, "before_cursor_execute", notice)
    try:
        yield Probe(client, scene, connection, snapshot(connection), written)
    finally:
        event.remove(connection, "before_cursor_execute", notice)


def is_denied(status: int) -> bool:
    """Not logged in, forbidden, or reported as not found."""
    return status in (401, 403, 404)


def describe(route: str, caller: Caller, target: Target, r: httpx2.Response) -> str:
    """One line of a failure list."""
    try:
        detail = str(r.json().get("detail", ""))[:90] if r.content else ""
    except (ValueError, AttributeError):
        detail = r.text[:90]
    return f"{route} as {caller.name} on {target.label}: {r.status_code} {detail!r}"


# --- the matrix ---------------------------------------------------------------------------------


def test_every_route_of_the_app_has_an_expected_outcome(client: TestClient) -> None:
    routes = set(app_routes(client))
    untested = sorted(routes - POLICY.keys())
    stale = sorted(POLICY.keys() - routes)
    assert not untested, f"routes missing from POLICY (add who may call them): {untested}"
    assert not stale, f"POLICY names routes the app no longer has: {stale}"
    needs_body = {r for r in routes if r.split()[0] in ("POST", "PATCH", "PUT")}
    without_body = sorted(
        needs_body - BODIES.keys() - FILES.keys() - LOGIN_ROUTES - {"POST /auth/logout"}
    )
    assert not without_body, f"routes without a valid request body in BODIES: {without_body}"


def test_every_route_answers_every_caller_as_the_policy_says(
    client: TestClient, probe: Probe
) -> None:
    unexpected_allows: list[str] = []
    denied_but_changed: list[str] = []
    unexpected_denials: list[str] = []
    other_answers: list[str] = []
    checks = 0
    for route in app_routes(client):
        rule = POLICY.get(route)
        if rule is None:
            continue  # reported by test_every_route_of_the_app_has_an_expected_outcome
        for target in targets_of(route):
            for caller in (CALLER[name] for name in target.callers):
                checks += 1
                expected = is_allowed(rule, caller, target)
                r, changed = probe.call(route, caller, target, watch=not expected)
                line = describe(route, caller, target, r)
                if r.is_success and not expected:
                    unexpected_allows.append(line)
                elif is_denied(r.status_code) and expected:
                    unexpected_denials.append(line)
                elif not (r.is_success or is_denied(r.status_code)):
                    other_answers.append(f"{line}, expected {'2xx' if expected else 'a denial'}")
                if changed and not expected:
                    denied_but_changed.append(f"{line} changed {', '.join(changed)}")
    problems = {
        "unexpected allows (the bar: none)": unexpected_allows,
        "calls that should be denied but changed data": denied_but_changed,
        "unexpected denials": unexpected_denials,
        "answers that are neither 2xx nor 401/403/404": other_answers,
    }
    if any(problems.values()):
        report = [f"of {checks} (route, caller, target) checks, these disagree with the policy:"]
        for title, lines in problems.items():
            report += [f"{title}: {len(lines)}", *(f"  {line}" for line in lines)]
        pytest.fail("\n".join(report), pytrace=False)


# --- specific promises --------------------------------------------------------------------------


def test_anonymous_callers_get_401_on_everything_but_the_public_routes(
    client: TestClient, scene: Scene
) -> None:
    wrong: list[str] = []
    for route in app_routes(client):
        target = target_in(route, "A") or OWN_CLINIC
        public = POLICY.get(route) is Rule.PUBLIC
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            r = scene.call(client, route, ANONYMOUS, target, headers=headers)
            if public:
                ok = r.is_success
            else:
                ok = r.status_code == 401 and r.headers.get("www-authenticate") == "Bearer"
            if not ok:
                wrong.append(f"{describe(route, ANONYMOUS, target, r)} sent {headers}")
    assert client.get("/openapi.json").status_code == 200
    assert not wrong, "anonymous answers not as promised:\n" + "\n".join(wrong)


def test_the_login_routes_refuse_a_wrong_password(client: TestClient, world: World) -> None:
    for path in ("/auth/login", "/auth/token"):
        body = {"email": "clinician_a@example.org", "password": "not the password"}
        r = client.post(API + path, json=body)
        assert r.status_code == 401, r.text
        assert "access_token" not in r.json() and "csrf_token" not in r.json()
        assert "hemispasm_session" not in r.cookies


def test_every_logged_in_user_sees_themselves_and_can_log_out(
    client: TestClient, world: World
) -> None:
    for caller in CALLERS[1:]:
        persona = world[caller.name]
        r = client.get(f"{API}/auth/me", headers=persona.headers)
        assert r.status_code == 200, r.text
        assert r.json()["id"] == persona.user.id
        assert client.post(f"{API}/auth/logout", headers=persona.headers).status_code == 204
        assert client.get(f"{API}/auth/me", headers=persona.headers).status_code == 401


@pytest.mark.parametrize(
    ("name", "other_clinic"),
    [("admin_b", "A"), ("clinician_b", "A"), ("patient_q1", "A"), ("clinician_a", "B")],
)
def test_no_one_reaches_the_patients_or_accounts_of_another_clinic(
    client: TestClient, probe: Probe, name: str, other_clinic: str
) -> None:
    caller = CALLER[name]
    wrong: list[str] = []
    for route in app_routes(client):
        target = target_in(route, other_clinic)
        if target is None:
            continue  # no ids in the path: the caller's own clinic (see the list test below)
        r, changed = probe.call(route, caller, target)
        missing, _ = probe.call(route, caller, target, missing=True)
        line = describe(route, caller, target, r)
        if not is_denied(r.status_code):
            wrong.append(f"allowed: {line}")
        elif changed:
            wrong.append(f"denied but changed {', '.join(changed)}: {line}")
        elif r.status_code != missing.status_code:
            wrong.append(
                f"tells existing ids from missing ones: {line},"
                f" but {missing.status_code} for id {MISSING_ID}"
            )
    assert not wrong, f"{name} reaches into clinic {other_clinic}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("name", ["clinician_a", "patient_p1"])
def test_a_record_of_another_patient_is_not_found_under_a_visible_patient(
    client: TestClient, probe: Probe, name: str
) -> None:
    caller = CALLER[name]
    wrong: list[str] = []
    for route in app_routes(client):
        if "{record_id}" not in route:
            continue
        r, changed = probe.call(route, caller, P2_RECORD_UNDER_P1)
        line = describe(route, caller, P2_RECORD_UNDER_P1, r)
        if not is_denied(r.status_code):
            wrong.append(f"allowed: {line}")
        elif changed:
            wrong.append(f"denied but changed {', '.join(changed)}: {line}")
    assert not wrong, f"{name} reaches P2's records through P1:\n" + "\n".join(wrong)


def test_lists_show_nothing_of_another_clinic(client: TestClient, scene: Scene) -> None:
    world = scene.world
    clinic_a_users = {world[c.name].user.id for c in CALLERS if c.clinic == "A"}
    clinician_b, admin_b = world["clinician_b"].headers, world["admin_b"].headers
    r = client.get(f"{API}/patients", headers=clinician_b)
    assert r.status_code == 200, r.text
    assert [p["id"] for p in r.json()["items"]] == [world.patients["Q1"]]
    r = client.get(f"{API}/video-analyses", headers=clinician_b)
    assert r.status_code == 200, r.text
    assert [v["patient_id"] for v in r.json()["items"]] == [world.patients["Q1"]]
    r = client.get(f"{API}/users", headers=admin_b)
    assert r.status_code == 200, r.text
    assert not {u["id"] for u in r.json()} & clinic_a_users
    r = client.get(f"{API}/audit-events", params={"page_size": 200}, headers=admin_b)
    assert r.status_code == 200, r.text
    events = r.json()["items"]
    assert events, "clinic B's audit log should hold its own events"
    assert not {e["user_id"] for e in events} & clinic_a_users
    assert not {e["patient_id"] for e in events} & {world.patients["P1"], world.patients["P2"]}
    r = client.get(
        f"{API}/audit-events", params={"patient_id": world.patients["P1"]}, headers=admin_b
    )
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []
    r = client.get(f"{API}/clinic", headers=clinician_b)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == world["clinician_b"].user.clinic_id


DENIED_WRITES: list[tuple[str, str, Target]] = [
    ("patient_p2", "DELETE /patients/{patient_id}/self-ratings/{record_id}", P1_RECORD),
    ("patient_p2", "PATCH /patients/{patient_id}/self-ratings/{record_id}", P1_RECORD),
    ("patient_p2", "PATCH /patients/{patient_id}/cycles/{record_id}", P1_RECORD),
    ("patient_p2", "POST /patients/{patient_id}/video-analyses", P1),
    ("patient_p1", "DELETE /patients/{patient_id}/diagnoses/{record_id}", P1_RECORD),
    ("patient_p1", "PATCH /patients/{patient_id}/sessions/{record_id}", P1_RECORD),
    ("patient_p1", "PATCH /patients/{patient_id}", P1),
    ("clinician_b", "DELETE /patients/{patient_id}", P1),
    ("clinician_b", "PATCH /patients/{patient_id}/assessments/{record_id}", P1_RECORD),
    ("admin_a", "PATCH /patients/{patient_id}", P1),
    ("clinician_a", "PATCH /clinic", OWN_CLINIC),
    ("clinician_a", "PATCH /users/{user_id}", CLINICIAN_A_ACCOUNT),
    ("admin_b", "PATCH /users/{user_id}", CLINICIAN_A_ACCOUNT),
    ("patient_p1", "POST /users", OWN_CLINIC),
]
"""Write attempts the policy denies, each read back afterwards by someone who may read it."""


def test_denied_write_attempts_change_nothing(
    client: TestClient, scene: Scene, connection: Connection
) -> None:
    wrong: list[str] = []
    for name, route, target in DENIED_WRITES:
        path = route.split(" ", 1)[1]
        read_back = f"GET {path}"
        reader = CALLER["admin_a" if path.startswith(("/users", "/clinic")) else "clinician_a"]
        savepoint = connection.begin_nested()
        try:
            before = scene.call(client, read_back, reader, target)
            assert before.status_code == 200, before.text
            r = scene.call(client, route, CALLER[name], target)
            after = scene.call(client, read_back, reader, target)
        finally:
            savepoint.rollback()
        line = describe(route, CALLER[name], target, r)
        if not is_denied(r.status_code):
            wrong.append(f"allowed: {line}")
        elif after.status_code != 200 or after.json() != before.json():
            wrong.append(f"denied but changed: {line}; {read_back} now says {after.text[:200]}")
    assert not wrong, "denied write attempts:\n" + "\n".join(wrong)


def test_a_body_cannot_point_at_another_clinics_patient_or_another_patients_session(
    client: TestClient, scene: Scene
) -> None:
    world = scene.world
    account = BODIES["POST /users"] | {"role": "patient", "patient_id": world.patients["Q1"]}
    r = client.post(f"{API}/users", json=account, headers=world["admin_a"].headers)
    assert r.status_code in (404, 422), r.text
    users = client.get(f"{API}/users", headers=world["admin_a"].headers).json()
    assert account["email"] not in {u["email"] for u in users}

    effect = BODIES["POST /patients/{patient_id}/adverse-events"] | {
        "session_id": scene.records["sessions", "P2"]
    }
    p1_effects = f"{API}/patients/{world.patients['P1']}/adverse-events"
    r = client.post(p1_effects, json=effect, headers=world["patient_p1"].headers)
    assert r.status_code in (404, 422), r.text
    listed = client.get(p1_effects, headers=world["patient_p1"].headers).json()
    assert listed["total"] == 2  # P1's own report and the one the clinic entered


# --- who may change what: the patient's reports and the clinic's records -----------------------

CHANGES_OF_THE_CLINICS_RECORDS = [
    f"{method} /patients/{{patient_id}}/{kind}/{{record_id}}"
    for kind in sorted(REPORTABLE)
    for method in ("PATCH", "DELETE")
    if not (kind == "cycles" and method == "DELETE")  # cycles are read and updated only
]


def refusals_in_audit(connection: Connection, patient_id: int) -> list[tuple[Any, ...]]:
    """The audit rows of refused access to the patient's data: (user, entity, entity id, detail)."""
    rows = connection.execute(
        select(AuditEvent.user_id, AuditEvent.entity, AuditEvent.entity_id, AuditEvent.detail)
        .where(AuditEvent.action == "refused", AuditEvent.patient_id == patient_id)
        .order_by(AuditEvent.id)
    )
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("route", CHANGES_OF_THE_CLINICS_RECORDS)
def test_a_patient_can_neither_change_nor_delete_what_the_clinic_recorded(
    client: TestClient, scene: Scene, connection: Connection, route: str
) -> None:
    world, patient = scene.world, CALLER["patient_p1"]
    read_back = f"GET {route.split(' ', 1)[1]}"
    before = scene.call(client, read_back, CALLER["clinician_a"], P1_CLINIC_RECORD)
    assert before.status_code == 200, before.text
    refused_before = len(refusals_in_audit(connection, world.patients["P1"]))

    r = scene.call(client, route, patient, P1_CLINIC_RECORD)

    assert r.status_code == 403, r.text
    assert "clinic" in r.json()["detail"]
    after = scene.call(client, read_back, CALLER["clinician_a"], P1_CLINIC_RECORD)
    assert after.json() == before.json()
    refused = refusals_in_audit(connection, world.patients["P1"])[refused_before:]
    assert len(refused) == 1, refused
    user_id, _entity, entity_id, detail = refused[0]
    assert (user_id, entity_id) == (world["patient_p1"].user.id, before.json()["id"])
    assert json.loads(detail)["status"] == 403


@pytest.mark.parametrize("kind", ["self-ratings", "adverse-events", "cycles", "video-analyses"])
def test_a_patient_corrects_their_own_report_but_deleting_it_is_the_clinics(
    client: TestClient, scene: Scene, kind: str
) -> None:
    patient = CALLER["patient_p1"]
    r = scene.call(
        client, f"PATCH /patients/{{patient_id}}/{kind}/{{record_id}}", patient, P1_RECORD
    )
    assert r.status_code == 200, r.text
    if kind != "cycles":
        route = f"DELETE /patients/{{patient_id}}/{kind}/{{record_id}}"
        assert scene.call(client, route, patient, P1_RECORD).status_code == 403
        assert scene.call(client, route, CALLER["clinician_a"], P1_RECORD).status_code == 204


def test_every_record_a_patient_can_add_says_who_reported_it(
    client: TestClient, scene: Scene
) -> None:
    field = {"cycles": "course_reported_by"}
    for kind in sorted(REPORTABLE):
        own = None if kind == "cycles" else "patient"  # P1's own cycle has no course yet
        for target, expected in ((P1_RECORD, own), (P1_CLINIC_RECORD, "clinician")):
            route = f"GET /patients/{{patient_id}}/{kind}/{{record_id}}"
            r = scene.call(client, route, CALLER["patient_p1"], target)
            assert r.status_code == 200, r.text
            assert r.json()[field.get(kind, "reported_by")] == expected, (kind, target.label)


def test_a_patient_cannot_post_an_analysis_and_the_attempt_is_audited(
    client: TestClient, scene: Scene, connection: Connection
) -> None:
    world = scene.world
    route = "POST /patients/{patient_id}/video-analyses"
    count_before = len(listed_analyses(client, scene))

    r = scene.call(client, route, CALLER["patient_p1"], P1)

    assert r.status_code == 403, r.text
    assert "upload the video" in r.json()["detail"]
    assert len(listed_analyses(client, scene)) == count_before
    refused = refusals_in_audit(connection, world.patients["P1"])
    assert [(e, json.loads(d)["attempted"]) for _, e, _, d in refused] == [
        ("video_analysis", "create")
    ]


def test_a_patient_cannot_swap_the_result_of_their_own_analysis(
    client: TestClient, scene: Scene
) -> None:
    url = scene.url("PATCH /patients/{patient_id}/video-analyses/{record_id}", P1_RECORD)
    other = json.loads(json.dumps(RESULT))
    other["metrics"]["spasms_per_min"] = 0.0
    r = client.patch(url, json={"result": other}, headers=scene.world["patient_p1"].headers)
    assert r.status_code == 403, r.text
    r = client.patch(
        url, json={"notes": "filmed at home"}, headers=scene.world["patient_p1"].headers
    )
    assert r.status_code == 200 and r.json()["source"] == "analysis", r.text


def test_an_analysis_a_clinician_sends_in_is_marked_imported(
    client: TestClient, scene: Scene
) -> None:
    world = scene.world
    by_id = {a["id"]: a for a in listed_analyses(client, scene)}
    assert by_id[scene.records["video-analyses", "P1"]]["source"] == "analysis"
    assert by_id[scene.records["video-analyses", "P1 by clinic"]]["source"] == "imported"
    # a clinician replacing the server's result makes it an import too
    url = scene.url("PATCH /patients/{patient_id}/video-analyses/{record_id}", P1_RECORD)
    clinician = world["clinician_a"].headers
    assert client.patch(url, json={"result": RESULT}, headers=clinician).json()["source"] == (
        "analysis"  # the same result: nothing was replaced
    )


def listed_analyses(client: TestClient, scene: Scene) -> list[dict[str, Any]]:
    """P1's analyses as clinician_a lists them."""
    url = scene.url("GET /patients/{patient_id}/video-analyses", P1)
    r = client.get(url, headers=scene.world["clinician_a"].headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])
