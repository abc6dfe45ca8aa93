"""Forms for patients, diagnoses, assessments, adverse effects, MRI studies and surgery.

Each form is a description (``forms.FormSpec``: labels, hints, order) of an API Create model;
``forms`` draws the fields and checks the entries with the same Pydantic models, and the same
services as the JSON API store them, so the rules and access checks are the API's own. Bad input
comes back as the form with status 422, a message beside each field at fault and the entries
kept; nothing is stored. Clinicians only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hemispasm.clinic.api.deps import DbDep, PatientId, RecordId
from hemispasm.clinic.api.schemas import records as s
from hemispasm.clinic.api.schemas.people import PatientCreate, PatientUpdate
from hemispasm.clinic.domain.vocab import AdverseEffect, AffectedSide, Role, icd10_code
from hemispasm.clinic.services import patients
from hemispasm.clinic.services import records as svc
from hemispasm.clinic.services.access import require_role
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.clinical import ASSESSMENTS, DIAGNOSES, MRI_STUDIES, SURGERIES
from hemispasm.clinic.services.records import RecordKind
from hemispasm.clinic.services.treatment import ADVERSE_EVENTS, INJECTION_SESSIONS
from hemispasm.clinic.web.forms import (
    Ask,
    FormSpec,
    Option,
    Raw,
    Section,
    Target,
    check_entries,
    defaults,
    domain_errors,
    form_view,
    raw_of,
    scale,
)
from hemispasm.clinic.web.pages import PageActor, PageRoute, render, templates
from hemispasm.clinic.web.vocab_labels import register_vocab_label, vocab_label
from hemispasm.errors import ClinicalDataError, ConflictError

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register_vocab_label(templates.env)  # the patient page names vocabulary values with it too

# --- the forms -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RecordForm(FormSpec):
    """The form of one kind of patient record, and where it lives."""

    kind: RecordKind
    slug: str
    """URL part under the patient (``adverse-events``)."""
    anchor: str
    """The section of the patient page to return to."""


def _urgent_effect(raw: Mapping[str, Any]) -> str:
    effect = raw.get("effect")
    if effect in {e.value for e in AdverseEffect if e.urgent}:
        return (
            "Difficulty swallowing or breathing after an injection can mean the toxin has spread "
            "beyond the injected muscles. The patient needs a medical assessment today; do not "
            "wait for the next visit."
        )
    return ""


NOTES = Ask("notes", "Notes", widget="textarea")
PATIENT_FORM = FormSpec(
    new_title="Register a patient",
    edit_title="Correct the patient's details",
    submit="Register",
    create=PatientCreate,
    update=PatientUpdate,
    sections=(
        Section(
            "Identity",
            (
                Ask("mrn", "Record number", "The clinic's own number; no two patients share one."),
                Ask("name", "Name"),
                Ask("birth_date", "Date of birth"),
                Ask("sex", "Sex", "As recorded by the clinic."),
            ),
        ),
        Section(
            "Contact",
            (
                Ask("phone", "Telephone", widget="tel"),
                Ask("email", "E-mail address", widget="email"),
                Ask("address", "Postal address", widget="textarea"),
            ),
        ),
    ),
)
DIAGNOSIS_FORM = RecordForm(
    new_title="Record the diagnosis",
    edit_title="Correct the diagnosis",
    create=s.DiagnosisCreate,
    update=s.DiagnosisUpdate,
    slug="diagnoses",
    kind=DIAGNOSES,
    anchor="diagnoses",
    intro="Hemifacial spasm. The ICD-10-CM code follows from the side; SNOMED CT 13753008 "
    "applies to every side.",
    sections=(
        Section(
            "Diagnosis",
            (
                Ask(
                    "affected_side",
                    "Affected side",
                    "The patient's own side.",
                    option_hints={
                        side.value: f"ICD-10-CM {icd10_code(side)}" for side in AffectedSide
                    },
                ),
                Ask("onset_on", "First spasms noticed", "An approximate date is fine."),
                Ask("diagnosed_on", "Date of diagnosis"),
                Ask("idiopathic", "Idiopathic", "No other disease (such as a tumour) explains it."),
                NOTES,
            ),
        ),
    ),
    shown=(("icd10", "ICD-10-CM code"), ("snomed", "SNOMED CT code")),
)
ASSESSMENT_FORM = RecordForm(
    new_title="Record an assessment",
    edit_title="Correct an assessment",
    create=s.AssessmentCreate,
    update=s.AssessmentUpdate,
    slug="assessments",
    kind=ASSESSMENTS,
    anchor="assessments-h",
    sections=(
        Section("When", (Ask("assessed_on", "Date of the assessment", today_by_default=True),)),
        Section(
            "Jankovic rating scale",
            (
                Ask(
                    "jankovic_severity",
                    "Severity",
                    widget="radio",
                    in_total=True,
                    options=scale(
                        "None: no spasms.",
                        "Minimal: more blinking, but only when provoked (bright light, wind, "
                        "stress).",
                        "Mild: twitching that others can see, without true spasm; not disabling.",
                        "Moderate: spasms that are clearly visible and hinder daily life a little.",
                        "Severe: spasms that disable (reading or driving become impossible).",
                    ),
                ),
                Ask(
                    "jankovic_frequency",
                    "Frequency",
                    widget="radio",
                    in_total=True,
                    options=scale(
                        "None: no spasms.",
                        "Slight: blinks a little more often than usual.",
                        "Fluttering: twitches that last under a second.",
                        "Spasms: closures longer than a second; the eye is open more than half "
                        "of the waking day.",
                        "Eye shut: spasms keep the eye closed more than half of the waking day "
                        "(functionally blind on that side).",
                    ),
                ),
            ),
            hint="Rate severity and frequency from 0 to 4 each; the total runs from 0 to 8.",
            total="Jankovic total (severity + frequency, 0–8)",
        ),
        Section(
            "SMC grade",
            (
                Ask(
                    "smc_grade",
                    "Samsung Medical Center grade",
                    widget="radio",
                    options=scale(
                        "Eye only: spasms stay around the eye.",
                        "Spread: spasms reach other muscles of the same side (cheek, mouth, "
                        "forehead, neck).",
                        "Tonic: frequent sustained spasms that get in the way of seeing.",
                        "Asymmetry: the face is visibly distorted on that side.",
                        first=1,
                        numerals=("I", "II", "III", "IV"),
                    ),
                ),
            ),
        ),
        Section(
            "Questionnaire totals",
            (
                Ask("hfs7_total", "HFS-7 total", "The sum of the completed form, 0 to 28."),
                Ask("hfs30_total", "HFS-30 total", "The sum of the completed form, 0 to 120."),
            ),
            hint="Totals only: the questionnaires' items are licensed and are not kept here.",
        ),
        Section("", (NOTES,)),
    ),
)
ADVERSE_EVENT_FORM = RecordForm(
    new_title="Record a side effect",
    edit_title="Update a side effect",
    create=s.AdverseEventCreate,
    update=s.AdverseEventUpdate,
    slug="adverse-events",
    kind=ADVERSE_EVENTS,
    anchor="adverse-events-h",
    notice="Difficulty swallowing or breathing after an injection is urgent: it can mean the "
    "toxin has spread. Record it, and make sure the patient is seen by a doctor today.",
    alert=_urgent_effect,
    sections=(
        Section(
            "Side effect",
            (
                Ask(
                    "effect",
                    "Effect",
                    option_hints={e.value: "URGENT" for e in AdverseEffect if e.urgent},
                ),
                Ask("severity", "Severity"),
                Ask("onset_on", "Began on"),
                Ask("resolved_on", "Resolved on", "Leave empty while the effect lasts."),
                Ask(
                    "session_id",
                    "After the injection session of",
                    "The session the effect followed, if known.",
                    widget="select",
                ),
                NOTES,
            ),
        ),
    ),
    shown=(("reported_by", "Reported by"),),
)
MRI_FORM = RecordForm(
    new_title="Record an MRI study",
    edit_title="Correct an MRI study",
    create=s.MriCreate,
    update=s.MriUpdate,
    slug="mri-studies",
    kind=MRI_STUDIES,
    anchor="mri-h",
    intro="Vessel contact is also seen in about one in five facial nerves of people without "
    "spasms: a finding supports, and does not prove, the cause.",
    sections=(
        Section(
            "Study",
            (
                Ask("study_on", "Date of the study"),
                Ask(
                    "sequences",
                    "Sequences",
                    "Separate them with commas, for example: 3D-TOF, 3D-CISS.",
                ),
            ),
        ),
        Section(
            "Findings",
            (
                Ask("compression_found", "Vessel found at the facial nerve"),
                Ask("vessels", "Vessels", "Choose every vessel seen."),
                Ask("site", "Where along the nerve"),
                Ask("contact", "Contact or compression"),
                Ask("dolichoectasia", "Dolichoectasia (elongated, widened artery)"),
                Ask("other_lesion", "Other lesion", "A tumour or other cause, if one was seen."),
                NOTES,
            ),
        ),
    ),
)
SURGERY_FORM = RecordForm(
    new_title="Record a microvascular decompression",
    edit_title="Correct a microvascular decompression",
    create=s.SurgeryCreate,
    update=s.SurgeryUpdate,
    slug="surgeries",
    kind=SURGERIES,
    anchor="surgeries-h",
    intro="Microvascular decompression of the facial nerve.",
    sections=(
        Section(
            "Operation",
            (
                Ask("surgery_on", "Date of the operation"),
                Ask("surgeon", "Surgeon"),
                Ask("side", "Side"),
                Ask("vessels", "Vessels found", "Choose every vessel decompressed."),
                Ask("findings", "Findings"),
                Ask(
                    "monitoring",
                    "Monitoring during the operation",
                    "For example, whether the lateral spread response went away.",
                ),
            ),
        ),
        Section(
            "Result",
            (
                Ask("outcome", "Outcome"),
                Ask("recurrence_on", "Spasms came back on", "Leave empty if they have not."),
                Ask("complications", "Complications"),
                NOTES,
            ),
        ),
    ),
)
RECORD_FORMS = (DIAGNOSIS_FORM, ASSESSMENT_FORM, ADVERSE_EVENT_FORM, MRI_FORM, SURGERY_FORM)

# --- the pages -------------------------------------------------------------------------------


def clinician(actor: PageActor) -> Actor:
    """The logged-in user, if a clinician: these forms are the clinic's, not the patient's."""
    require_role(actor, Role.CLINICIAN)
    return actor


ClinicianActor = Annotated[Actor, Depends(clinician)]


async def posted_form(request: Request) -> FormData:
    """The posted fields (parsed once: Starlette keeps them for the CSRF check as well)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(posted_form)]


def _page(
    request: Request,
    actor: Actor,
    spec: FormSpec,
    target: Target,
    raw: Raw,
    errors: Mapping[str, str],
) -> Response:
    view = form_view(spec, target, raw, errors, today=actor.on())
    status = 422 if errors else 200
    return render(request, "form_record.html", status_code=status, actor=actor, form=view)


def _submit(
    request: Request,
    actor: Actor,
    spec: FormSpec,
    target: Target,
    form: FormData,
    save: Callable[[dict[str, Any]], str],
) -> Response:
    """Check the entries with the API's schema and store them with ``save`` (which answers where
    to go next), or show the form again with the messages and the entries kept."""
    entries = check_entries(spec, form, stored=target.stored)
    if entries.errors:
        return _page(request, actor, spec, target, entries.raw, entries.errors)
    try:
        return RedirectResponse(save(entries.values), status_code=303)
    except (ClinicalDataError, ConflictError) as exc:
        return _page(request, actor, spec, target, entries.raw, domain_errors(spec, exc))


NEW_PATIENT = Target(action="/patients/new", cancel="/worklist")


def _patient_target(db: Session, actor: Actor, patient_id: int) -> Target:
    patient = patients.get_patient(db, actor, patient_id)
    stored = {ask.name: getattr(patient, ask.name) for ask in PATIENT_FORM.asks}
    page = f"/patients/{patient_id}"
    return Target(action=f"{page}/edit", cancel=page, patient=patient, stored=stored)


@router.get("/patients/new")
def new_patient_form(request: Request, actor: ClinicianActor) -> Response:
    """The form to register a patient."""
    raw = defaults(PATIENT_FORM, actor.on())
    return _page(request, actor, PATIENT_FORM, NEW_PATIENT, raw, {})


@router.post("/patients/new")
def register_patient(request: Request, actor: ClinicianActor, db: DbDep, form: FormDep) -> Response:
    """Register a patient; their page follows."""

    def save(values: dict[str, Any]) -> str:
        return f"/patients/{patients.create_patient(db, actor, values).id}"

    return _submit(request, actor, PATIENT_FORM, NEW_PATIENT, form, save)


@router.get("/patients/{patient_id}/edit")
def edit_patient_form(
    request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId
) -> Response:
    """The patient's details, to correct."""
    target = _patient_target(db, actor, patient_id)
    raw = raw_of(PATIENT_FORM, target.stored or {})
    return _page(request, actor, PATIENT_FORM, target, raw, {})


@router.post("/patients/{patient_id}/edit")
def correct_patient(
    request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId, form: FormDep
) -> Response:
    """Store the corrected details."""
    target = _patient_target(db, actor, patient_id)

    def save(values: dict[str, Any]) -> str:
        patients.update_patient(db, actor, patient_id, values)
        return f"/patients/{patient_id}"

    return _submit(request, actor, PATIENT_FORM, target, form, save)


def _session_options(db: Session, actor: Actor, patient_id: int) -> dict[str, list[Option]]:
    """The patient's injection sessions, newest first, to link a side effect to."""
    page = svc.list_records(db, actor, INJECTION_SESSIONS, patient_id, page=1, page_size=1000)
    sessions = [
        Option(str(row.id), f"{row.session_on.isoformat()} · {vocab_label(row.product)}")
        for row in page.items
    ]
    return {"session_id": [Option("", "Not linked to a session"), *sessions]}


def _record_target(
    db: Session, actor: Actor, spec: RecordForm, patient_id: int, record_id: int | None
) -> Target:
    """The patient, the stored record (when correcting) and choices from the patient's records;
    loaded before anything is stored, so that a refused change leaves nothing to read after it."""
    patient = patients.get_patient(db, actor, patient_id)
    stored = None
    base = f"/patients/{patient_id}/{spec.slug}"
    action = f"{base}/new"
    if record_id is not None:
        row = svc.get_record(db, actor, spec.kind, patient_id, record_id)
        stored = svc.current_values(row, spec.kind)
        action = f"{base}/{record_id}/edit"
    dynamic = _session_options(db, actor, patient_id) if spec.kind is ADVERSE_EVENTS else None
    return Target(action, f"/patients/{patient_id}", patient, stored, dynamic)


def add_record_form_routes(spec: RecordForm) -> None:
    """The new and edit forms of one kind of patient record."""
    kind = spec.kind
    base = f"/patients/{{patient_id}}/{spec.slug}"

    def store(
        db: Session, actor: Actor, patient_id: int, record_id: int | None
    ) -> Callable[[dict[str, Any]], str]:
        def save(values: dict[str, Any]) -> str:
            if record_id is None:
                svc.create_record(db, actor, kind, patient_id, values)
            else:
                svc.update_record(db, actor, kind, patient_id, record_id, values)
            return f"/patients/{patient_id}#{spec.anchor}"

        return save

    @router.get(f"{base}/new", name=f"new_{kind.part}_form")
    def new_form(
        request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId
    ) -> Response:
        target = _record_target(db, actor, spec, patient_id, None)
        return _page(request, actor, spec, target, defaults(spec, actor.on()), {})

    @router.post(f"{base}/new", name=f"create_{kind.part}")
    def create(
        request: Request, actor: ClinicianActor, db: DbDep, patient_id: PatientId, form: FormDep
    ) -> Response:
        target = _record_target(db, actor, spec, patient_id, None)
        return _submit(request, actor, spec, target, form, store(db, actor, patient_id, None))

    @router.get(f"{base}/{{record_id}}/edit", name=f"edit_{kind.part}_form")
    def edit_form(
        request: Request,
        actor: ClinicianActor,
        db: DbDep,
        patient_id: PatientId,
        record_id: RecordId,
    ) -> Response:
        target = _record_target(db, actor, spec, patient_id, record_id)
        return _page(request, actor, spec, target, raw_of(spec, target.stored or {}), {})

    @router.post(f"{base}/{{record_id}}/edit", name=f"update_{kind.part}")
    def update(
        request: Request,
        actor: ClinicianActor,
        db: DbDep,
        patient_id: PatientId,
        record_id: RecordId,
        form: FormDep,
    ) -> Response:
        target = _record_target(db, actor, spec, patient_id, record_id)
        save = store(db, actor, patient_id, record_id)
        return _submit(request, actor, spec, target, form, save)


for _spec in RECORD_FORMS:
    add_record_form_routes(_spec)
