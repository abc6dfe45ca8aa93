"""The printable visit summary (a page with a print stylesheet, and a PDF) and the next injection
as a calendar file, from the clinician's patient page and the patient's own page.

Each is a download of patient data: the services check who asks and audit it; a refusal is a
4xx page like any other. The calendar file speaks the reader's language (``calendar_words``).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from markupsafe import Markup

from hemispasm.clinic.api.deps import DbDep, PatientId, RecordId
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle
from hemispasm.clinic.services.calendar_file import (
    CalendarFile,
    CalendarWords,
    next_injection_calendar,
)
from hemispasm.clinic.services.visit_summary import VisitSummary, visit_summary
from hemispasm.clinic.web.i18n import N_, current_locale, format_day, gettext
from hemispasm.clinic.web.pages import PageActor, PageRoute, own_record, render, templates
from hemispasm.clinic.web.visit_pdf import summary_pdf
from hemispasm.clinic.web.vocab_labels import labels_of, product_label

router = APIRouter(route_class=PageRoute, include_in_schema=False)

_IDS = re.compile(r'\b(id|aria-labelledby)="([^"]*)"')


def muscle_labels() -> dict[str, str]:
    """The muscles' words by stored value, as the face map looks them up."""
    return {m.value: label for m, label in labels_of(Muscle).items()}


def _suffixed_ids(html: str, suffix: str) -> str:
    """``html`` with ``suffix`` after every id it defines or refers to."""

    def suffixed(match: re.Match[str]) -> str:
        ids = " ".join(f"{i}{suffix}" for i in match.group(2).split())
        return f'{match.group(1)}="{ids}"'

    return _IDS.sub(suffixed, html)


def face_maps(summary: VisitSummary) -> list[tuple[str, Markup]]:
    """(product in words, the face map figure with its units) for each product of the visit.

    The session page's own map, read-only; one map per product, since units of two products
    are not added. The ids of the second and later maps get a suffix, so that they stay unique.
    """
    maps = []
    for n, totals in enumerate(summary.totals):
        marked: dict[str, float] = {}
        for site in summary.sites:
            if site.product == totals.product:
                key = f"{site.muscle.value}:{site.side.value}"
                marked[key] = marked.get(key, 0.0) + site.units
        html = templates.env.get_template("session_face_map.html").render(
            map_mode="view",
            map_marked={key: f"{units:g}" for key, units in marked.items()},
            muscle_labels=muscle_labels(),
            affected_side=summary.affected_side,
        )
        if n:
            html = _suffixed_ids(html, f"-{n + 1}")
        maps.append((product_label(totals.product), Markup(html)))
    return maps


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _side_words(side: InjectionSide) -> str:
    return "Right" if side is InjectionSide.RIGHT else "Left"


def summary_context(summary: VisitSummary) -> dict[str, Any]:
    """What the page and the PDF show besides the face maps, in words."""
    labels = muscle_labels()
    return {
        "v": summary,
        "p": summary.patient,
        "products": [product_label(p) for p in summary.products],
        "sites": [
            {
                "product": product_label(s.product),
                "muscle": labels.get(s.muscle.value, s.muscle.value),
                "side": _side_words(s.side),
                "units": s.units,
            }
            for s in summary.sites
        ],
        "totals": [
            {
                "product": product_label(t.product),
                "right": t.units_right,
                "left": t.units_left,
                "total": t.total_units,
            }
            for t in summary.totals
        ],
        "cycles": [
            {
                "injected_on": c.injected_on,
                "product": product_label(c.product),
                "right": c.units_right,
                "left": c.units_left,
                "total": c.total_units,
                "effect_days": c.effect_days,
                "this_visit": c.injected_on == summary.visit_on,
            }
            for c in reversed(summary.cycles)
        ],
    }


@router.get("/patients/{patient_id}/sessions/{session_id}/summary")
def summary_page(
    request: Request, actor: PageActor, db: DbDep, patient_id: PatientId, session_id: RecordId
) -> Response:
    """The visit summary to print (the browser's Print, with the print stylesheet)."""
    summary = visit_summary(db, actor, patient_id, session_id, fmt="html")
    return render(
        request,
        "visit_summary.html",
        actor=actor,
        maps=face_maps(summary),
        **summary_context(summary),
    )


@router.get("/patients/{patient_id}/sessions/{session_id}/summary.pdf")
def summary_pdf_download(
    actor: PageActor, db: DbDep, patient_id: PatientId, session_id: RecordId
) -> Response:
    """The same summary as a PDF file to download (audited as an export)."""
    summary = visit_summary(db, actor, patient_id, session_id, fmt="pdf")
    content = summary_pdf(summary, summary_context(summary), face_maps(summary))
    name = f"visit-summary-{summary.patient.mrn}-{summary.visit_on.isoformat()}.pdf"
    return _attachment(content, "application/pdf", re.sub(r"[^A-Za-z0-9._-]", "_", name))


CALENDAR_TEXT = {
    "summary": N_("Botulinum toxin injection due"),
    "due_on_the_day": N_(
        "Your next botulinum toxin injection is due on this day. To book, %(call)s."
    ),
    "due_between": N_(
        "Your next botulinum toxin injection is due between %(first)s and %(last)s. "
        "To book, %(call)s."
    ),
    "call": N_("call %(clinic)s"),
    "call_on": N_("call %(clinic)s on %(phone)s"),
}
"""The calendar event's sentences (``CalendarWords``), marked for the catalog."""


def calendar_words() -> CalendarWords:
    """The calendar event's words in the request's language, dates as the pages write them."""
    sentences = {name: gettext(english) for name, english in CALENDAR_TEXT.items()}
    return CalendarWords(language=current_locale(), day=format_day, **sentences)


def _calendar(calendar: CalendarFile) -> Response:
    return _attachment(calendar.content, "text/calendar; charset=utf-8", calendar.filename)


@router.get("/patients/{patient_id}/next-injection.ics")
def patient_calendar(actor: PageActor, db: DbDep, patient_id: PatientId) -> Response:
    """The patient's next injection as a calendar file (the care team, or the patient)."""
    return _calendar(next_injection_calendar(db, actor, patient_id, words=calendar_words()))


@router.get("/me/next-injection.ics")
def my_calendar(actor: PageActor, db: DbDep) -> Response:
    """My next injection as a calendar file, in my language."""
    return _calendar(next_injection_calendar(db, actor, own_record(actor), words=calendar_words()))
