"""Diagnosis, MRI work-up, clinic assessments, self-ratings and surgery: their checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import Assessment, Diagnosis, MriStudy, Patient, SelfRating, Surgery
from hemispasm.clinic.domain.dates import check_not_before, check_not_future
from hemispasm.clinic.domain.vocab import SNOMED_HEMIFACIAL_SPASM, Role, icd10_code
from hemispasm.clinic.services.access import check_clinician_ref, reporter_of
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.records import RecordKind, Values
from hemispasm.clinic.services.treatment import refresh_schedule


def check_dates(*names: str, ordered: bool = False) -> Any:
    """A check: no date in the future or before birth; if ``ordered``, none before the first."""

    def check(db: Session, actor: Actor, patient: Patient, values: Mapping[str, Any]) -> None:
        for name in names:
            check_not_future(name, values.get(name), today=actor.on())
            check_not_before(
                name, values.get(name), earlier_field="birth_date", earlier=patient.birth_date
            )
        if ordered:
            for name in names[1:]:
                check_not_before(
                    name, values.get(name), earlier_field=names[0], earlier=values.get(names[0])
                )

    return check


def _prepare_diagnosis(
    db: Session, actor: Actor, patient: Patient, values: Values, existing: Any
) -> Values:
    values["icd10"] = icd10_code(values.get("affected_side"))
    values["snomed"] = SNOMED_HEMIFACIAL_SPASM
    return values


def _prepare_assessment(
    db: Session, actor: Actor, patient: Patient, values: Values, existing: Any
) -> Values:
    if existing is None and values.get("assessor_id") is None and actor.role is Role.CLINICIAN:
        values["assessor_id"] = actor.user_id
    return values


DIAGNOSES = RecordKind(
    part="diagnosis",
    model=Diagnosis,
    date_field="id",
    check=check_dates("onset_on", "diagnosed_on", ordered=True),
    prepare=_prepare_diagnosis,
)
MRI_STUDIES = RecordKind(
    part="mri", model=MriStudy, date_field="study_on", check=check_dates("study_on")
)


def _check_assessment(
    db: Session, actor: Actor, patient: Patient, values: Mapping[str, Any]
) -> None:
    check_dates("assessed_on")(db, actor, patient, values)
    check_clinician_ref(db, actor, "assessor_id", values.get("assessor_id"))


ASSESSMENTS = RecordKind(
    part="assessment",
    model=Assessment,
    date_field="assessed_on",
    check=_check_assessment,
    prepare=_prepare_assessment,
)


def _prepare_self_rating(
    db: Session, actor: Actor, patient: Patient, values: Values, existing: Any
) -> Values:
    if existing is None:
        values["reported_by"] = reporter_of(actor)
    return values


SELF_RATINGS = RecordKind(
    part="self_rating",
    model=SelfRating,
    date_field="rated_on",
    check=check_dates("rated_on"),
    prepare=_prepare_self_rating,
    reporter_field="reported_by",
)
SURGERIES = RecordKind(
    part="surgery",
    model=Surgery,
    date_field="surgery_on",
    check=check_dates("surgery_on", "recurrence_on", ordered=True),
    after_change=refresh_schedule,  # a curative decompression takes the patient off the schedule
)
