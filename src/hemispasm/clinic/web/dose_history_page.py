"""The patient's dose history page: per product, a chart of units per year stacked by site, and
the table of every value (years by sites)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response

from hemispasm.clinic.api.deps import DbDep, PatientId
from hemispasm.clinic.domain.dose_history import ProductHistory, SiteKey
from hemispasm.clinic.services.patients import get_patient
from hemispasm.clinic.services.session_records import patient_dose_history
from hemispasm.clinic.web.dose_chart import DoseChart, stacked_years
from hemispasm.clinic.web.pages import ClinicianActor, PageRoute, render
from hemispasm.clinic.web.vocab_labels import product_label, vocab_label

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def site_label(site: SiteKey) -> str:
    """A site in words, side first: "Left upper lid, pretarsal (orbicularis oculi)"."""
    muscle = vocab_label(site.muscle)
    return f"{vocab_label(site.side)} {muscle[0].lower()}{muscle[1:]}"


@dataclass(frozen=True)
class ProductSection:
    """One product's part of the page."""

    title: str
    history: ProductHistory
    site_labels: tuple[str, ...]
    chart: DoseChart


def product_section(history: ProductHistory) -> ProductSection:
    """The words, chart and table of one product."""
    labels = tuple(site_label(s) for s in history.sites)
    return ProductSection(
        title=product_label(history.product, history.product_name),
        history=history,
        site_labels=labels,
        chart=stacked_years(history, labels),
    )


@router.get("/patients/{patient_id}/dose-history")
def dose_history_page(
    request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId
) -> Response:
    """Units per year and site, for each product the patient received."""
    patient = get_patient(db, actor, patient_id)
    history = patient_dose_history(db, actor, patient_id)
    return render(
        request,
        "dose_history.html",
        actor=actor,
        p=patient,
        sections=[product_section(h) for h in history.products],
    )
