"""The pages: login, the worklist and patient page for clinicians, the patient's page, education."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from hemispasm.clinic.api.deps import SESSION_COOKIE, DbDep, PatientId, SettingsDep, client_address
from hemispasm.clinic.api.schemas.records import AssessmentPublic
from hemispasm.clinic.content.education import LANGUAGES as EDUCATION_LANGUAGES
from hemispasm.clinic.content.education import load_education, ninds_qr_svg, render_html
from hemispasm.clinic.domain.cycles import CycleCourse
from hemispasm.clinic.domain.vocab import Role
from hemispasm.clinic.services import accounts
from hemispasm.clinic.services.clinics import clinic_phone
from hemispasm.clinic.services.patients import PatientFilter, list_patients
from hemispasm.clinic.services.timeline import patient_summary, patient_timeline
from hemispasm.clinic.services.treatment import cycle_courses
from hemispasm.clinic.settings import Settings
from hemispasm.clinic.web.chart import build_timeline, chart_json, points
from hemispasm.clinic.web.chart_columns import effect_columns
from hemispasm.clinic.web.chart_measures import CLOSED, JANKOVIC, RATING, SPASMS
from hemispasm.clinic.web.chart_svg import svg_timeline
from hemispasm.clinic.web.i18n import N_, current_locale, gettext
from hemispasm.clinic.web.pages import (
    PageActor,
    PageRoute,
    age_on,
    own_record,
    render,
    safe_next,
    set_session_cookie,
)
from hemispasm.errors import AuthenticationError, RateLimitedError

router = APIRouter(route_class=PageRoute, include_in_schema=False)

WORKLIST_TABS = (
    ("overdue", N_("Overdue")),
    ("due_soon", N_("Due soon")),
    ("due_this_week", N_("Due this week")),
    ("", N_("All patients")),
)
WORKLIST_PAGE_SIZE = 25
LATEST = 10
"""How many of the newest assessments, ratings and video analyses the patient page shows."""


def _home_for(role: Role) -> str:
    return {Role.CLINICIAN: "/worklist", Role.PATIENT: "/me"}.get(role, "/")


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/")
def home(request: Request, actor: PageActor) -> Response:
    """Clinicians go to the worklist, patients to their page; admins see where to work."""
    if actor.role is not Role.ADMIN:
        return _see_other(_home_for(actor.role))
    return render(request, "admin.html", actor=actor)


LOGIN_CSRF_COOKIE = "hemispasm_login_csrf"


def _login_page(
    request: Request,
    settings: Settings,
    *,
    next: str | None,
    email: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The login form with a fresh login token, also set as a SameSite=Strict cookie: a form
    posted from another site arrives without the cookie and is refused (no login CSRF)."""
    token = secrets.token_urlsafe(24)
    page = render(
        request,
        "login.html",
        status_code=status_code,
        next=safe_next(next),
        email=email,
        error=error,
        login_token=token,
    )
    page.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="strict",
        path="/login",
    )
    return page


@router.get("/login")
def login_form(
    request: Request, settings: SettingsDep, next: Annotated[str | None, Query()] = None
) -> Response:
    """The login form."""
    return _login_page(request, settings, next=next)


@router.post("/login")
def login(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=accounts.MAX_PASSWORD_LENGTH)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
    login_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the password, set the same session cookie as the API, go to the user's home page."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (expected and secrets.compare_digest(login_token, expected)):
        accounts.refuse_login(
            db,
            email=email,
            client_address=client_address(request),
            request=f"{request.method} {request.url.path}",
        )
        return _login_page(
            request,
            settings,
            next=next,
            email=email,
            error=gettext(
                "The login form had expired or came from another site. Please log in again."
            ),
            status_code=403,
        )
    try:
        result = accounts.log_in(
            db,
            settings=settings,
            hasher=request.app.state.hasher,
            limiter=request.app.state.login_limiter,
            email=email,
            password=password,
            kind="cookie",
            client_address=client_address(request),
            request=f"{request.method} {request.url.path}",
        )
    except (AuthenticationError, RateLimitedError) as exc:
        limited = isinstance(exc, RateLimitedError)
        refused = _login_page(
            request,
            settings,
            status_code=429 if limited else 400,
            next=next,
            email=email,
            error=str(exc) if limited else gettext("Wrong e-mail address or password."),
        )
        if isinstance(exc, RateLimitedError):
            refused.headers["Retry-After"] = str(exc.retry_after_s)
        return refused
    response = _see_other(safe_next(next) or _home_for(result.user.role))
    set_session_cookie(response, result.token, settings)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, actor: PageActor, db: DbDep) -> Response:
    """End the session (the form carries the CSRF token)."""
    accounts.log_out(db, request.state.login, actor)
    response = _see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/worklist")
def worklist(
    request: Request,
    actor: PageActor,
    db: DbDep,
    q: Annotated[str, Query(max_length=200)] = "",
    due: Annotated[str, Query(max_length=20)] = "overdue",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """Patients by due status, or found by name or record number among all patients (a search
    covers every tab; the open tab is kept for when the search is cleared)."""
    if due == "urgent" and not q.strip():
        return _see_other("/worklist/urgent")
    searching = bool(q.strip())
    filters = PatientFilter(q=q.strip() or None, due=None if searching else due or None)
    result = list_patients(db, actor, filters, page=page, page_size=WORKLIST_PAGE_SIZE)
    pages = max(1, -(-result.total // WORKLIST_PAGE_SIZE))
    return render(
        request,
        "worklist.html",
        actor=actor,
        tabs=WORKLIST_TABS,
        q=q,
        due=due,
        result=result,
        pages=pages,
        today=actor.on(),
    )


def _cycles(courses: list[CycleCourse], rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each cycle's dates, effect days and who reported them, newest first (``rows``: the
    sessions' values the ``courses`` were made of: ``cycle_courses`` orders them by date)."""
    ordered = sorted(rows, key=lambda s: s["session_on"])
    return [
        {
            "injected_on": c.injected_on,
            "effect_began_on": c.effect_began_on,
            "effect_peak_on": c.effect_peak_on,
            "wore_off_on": c.wore_off_on,
            "effect_days": c.effect_days,
            "reported_by": row.get("course_reported_by"),
        }
        for c, row in zip(reversed(courses), reversed(ordered), strict=True)
    ]


@router.get("/patients/{patient_id:int}")  # leaves /patients/new to the registration form
def patient_page(request: Request, actor: PageActor, db: DbDep, patient_id: PatientId) -> Response:
    """The clinician's view of one patient: schedule, sessions, cycles, severity measures."""
    timeline = patient_timeline(db, actor, patient_id)
    rows = [s.values for s in timeline.sessions]
    sessions = [
        {
            "values": s.values,
            "total": s.totals.total_units,
            "left": s.totals.units_left,
            "right": s.totals.units_right,
            "warnings": s.totals.warning_count,
        }
        for s in reversed(timeline.sessions)
    ]
    courses = cycle_courses(rows)
    videos = timeline.video_analyses
    chart = build_timeline(
        courses,
        [
            (RATING, points(timeline.self_ratings, "rated_on", "score")),
            (
                JANKOVIC,
                # the schema's own rule: severity + frequency when both were rated
                [
                    (a["assessed_on"], AssessmentPublic.model_validate(a).jankovic_total)
                    for a in timeline.assessments
                ],
            ),
            (SPASMS, points(videos, "recorded_on", "spasms_per_min")),
            (CLOSED, points(videos, "recorded_on", "pct_time_affected_eye_half_closed")),
        ],
        today=actor.on(),
        next_due_on=timeline.schedule.next_due_on,
    )
    return render(
        request,
        "patient.html",
        actor=actor,
        t=timeline,
        p=timeline.patient,
        age=age_on(timeline.patient.birth_date, actor.on()),
        today=actor.on(),
        sessions=sessions,
        cycles=_cycles(courses, rows),
        durations=effect_columns(courses),
        chart=chart,
        chart_svg=svg_timeline(chart) if chart else None,
        chart_data=chart_json(chart) if chart else None,
        chart_title="Injections, effect and severity measures over time",
        # every row: the page folds the long lists away, and "now" comes from the newest
        assessments=list(reversed(timeline.assessments)),
        self_ratings=list(reversed(timeline.self_ratings)),
        videos=list(reversed(videos)),
    )


@router.get("/me")
def my_page(request: Request, actor: PageActor, db: DbDep) -> Response:
    """The patient's own page: next injection, how long each injection helped, own ratings and
    video measures over time, and the way to the diary, recording, videos and education."""
    summary = patient_summary(db, actor, own_record(actor))
    courses = cycle_courses(summary.cycles)
    videos = summary.video_analyses
    chart = build_timeline(
        courses,
        [
            (RATING, points(summary.self_ratings, "rated_on", "score")),
            (SPASMS, points(videos, "recorded_on", "spasms_per_min")),
            (CLOSED, points(videos, "recorded_on", "pct_time_affected_eye_half_closed")),
        ],
        today=actor.on(),
        next_due_on=summary.schedule.next_due_on,
    )
    ratings = list(reversed(summary.self_ratings))
    cycles = _cycles(courses, summary.cycles)
    return render(
        request,
        "me.html",
        actor=actor,
        s=summary,
        clinic_phone=clinic_phone(db, actor),
        today=actor.on(),
        cycles=cycles[:LATEST],
        cycles_more=(
            gettext("The newest %(shown)s of %(total)s injections. The chart above shows them all.")
            % {"shown": LATEST, "total": len(cycles)}
            if len(cycles) > LATEST
            else None
        ),
        durations=effect_columns(courses),
        chart=chart,
        chart_svg=svg_timeline(chart) if chart else None,
        chart_data=chart_json(chart) if chart else None,
        chart_title=gettext("My ratings and video measures over time"),
        self_ratings=ratings[:LATEST],
        ratings_count=len(ratings),
        videos=list(reversed(videos))[:LATEST],
    )


@cache
def _education_page(language: str) -> dict[str, Any]:
    """The education text in ``language``, rendered once: it is the same for every reader."""
    education = load_education(language if language in EDUCATION_LANGUAGES else "en")
    qr_title = gettext("QR code: scan it to open the NINDS page on hemifacial spasm")
    return {
        "meta": education.metadata,
        "body": Markup(render_html(education)),  # markdown rendered with raw HTML escaped
        "qr": Markup(ninds_qr_svg(education.metadata.read_more_url, title=qr_title)),
    }


@router.get("/education")
def education(request: Request) -> Response:
    """About hemifacial spasm; public, since it holds no patient data and is shared as a link."""
    signed_in = SESSION_COOKIE in request.cookies  # a link home; nothing is looked up
    page = _education_page(current_locale())
    return render(request, "education.html", signed_in=signed_in, **page)
