"""Write one demo patient's history through the schemas and services the API uses, so that the
same rules check it and the audit log records it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from hemispasm.clinic.api.schemas.people import PatientCreate
from hemispasm.clinic.api.schemas.records import (
    AdverseEventCreate,
    AssessmentCreate,
    CourseUpdate,
    DiagnosisCreate,
    MriCreate,
    SelfRatingCreate,
    SessionCreate,
    SurgeryCreate,
    VideoAnalysisCreate,
)
from hemispasm.clinic.db.models import Clinic
from hemispasm.clinic.demo.evidence import attach_evidence
from hemispasm.clinic.demo.logins import ACCOUNTS, demo_user
from hemispasm.clinic.demo.records import PatientPlan
from hemispasm.clinic.demo.videos import SampleResult
from hemispasm.clinic.domain.vocab import AnalysisSource, CompressionSite, Role, SurgeryOutcome
from hemispasm.clinic.services.accounts import create_user
from hemispasm.clinic.services.actor import Actor
from hemispasm.clinic.services.clinical import (
    ASSESSMENTS,
    DIAGNOSES,
    MRI_STUDIES,
    SELF_RATINGS,
    SURGERIES,
)
from hemispasm.clinic.services.patients import create_patient
from hemispasm.clinic.services.records import create_record, update_record
from hemispasm.clinic.services.treatment import ADVERSE_EVENTS, CYCLES, INJECTION_SESSIONS
from hemispasm.clinic.services.videos import VIDEO_ANALYSES

MRI_SEQUENCES = ["3D T2 CISS", "3D TOF MRA"]


def write_history(
    db: Session,
    clinician: Actor,
    p: PatientPlan,
    results: Mapping[str, SampleResult],
    hasher: PasswordHasher,
    password: str | None,
    data_dir: Path | None = None,
) -> Counter[str]:
    """One patient's whole history, through the schemas and services of the API; with
    ``data_dir``, each video analysis also gets its sample's video and report folder."""
    counts: Counter[str] = Counter()
    values = PatientCreate.model_validate(
        {
            "mrn": p.mrn,
            "name": p.name,
            "birth_date": p.birth_date,
            "sex": p.sex,
            "clinician_id": clinician.user_id,
        }
    ).model_dump()
    patient = create_patient(db, clinician, values)
    counts["patients"] += 1
    reporter = clinician
    if password is not None and demo_user(db, clinician.clinic_id, *ACCOUNTS[2][:2]) is None:
        clinic = db.get_one(Clinic, clinician.clinic_id)
        user = create_user(
            db, hasher=hasher, clinic=clinic, email=ACCOUNTS[2][1], password=password,
            role=Role.PATIENT, display_name=ACCOUNTS[2][2], patient_id=patient.id,
        )  # fmt: skip
        counts["accounts"] += 1
        reporter = Actor(
            user_id=user.id, clinic_id=clinician.clinic_id, role=Role.PATIENT,
            patient_id=patient.id, request=clinician.request, today=clinician.today,
        )  # fmt: skip

    def add(kind: Any, schema: Any, label: str, actor: Actor = clinician, **fields: Any) -> Any:
        counts[label] += 1
        values = schema(**fields).model_dump()
        if kind is VIDEO_ANALYSES:  # the demo's sample videos were analysed by this software
            values["source"] = AnalysisSource.ANALYSIS
        return create_record(db, actor, kind, patient.id, values)

    mri = p.mri
    add(
        DIAGNOSES, DiagnosisCreate, "diagnoses", affected_side=p.side, onset_on=p.onset_on,
        diagnosed_on=p.diagnosed_on, idiopathic=mri is not None and not mri.compression_found,
    )  # fmt: skip
    if mri is not None:
        add(
            MRI_STUDIES, MriCreate, "MRI studies", study_on=mri.study_on,
            sequences=MRI_SEQUENCES, compression_found=mri.compression_found,
            vessels=list(mri.vessels), contact=mri.contact, dolichoectasia=mri.dolichoectasia,
            site=CompressionSite.ROOT_EXIT_ZONE if mri.compression_found else None,
            notes=mri.notes,
        )  # fmt: skip
    session_ids = []
    for s in p.sessions:
        row = add(
            INJECTION_SESSIONS, SessionCreate, "injection sessions", session_on=s.session_on,
            product=s.product, lot=s.lot, expiry_on=s.expiry_on,
            dilution_units_per_0_1_ml=s.dilution_units_per_0_1_ml, notes=s.notes,
            sites=[{"muscle": x.muscle, "side": x.side, "units": x.units} for x in s.sites],
        )  # fmt: skip
        session_ids.append(row.id)
        counts["injection sites"] += len(s.sites)
        course = {
            k: v
            for k, v in (
                ("effect_began_on", s.effect_began_on),
                ("effect_peak_on", s.effect_peak_on),
                ("wore_off_on", s.wore_off_on),
            )
            if v is not None
        }
        if course:
            changes = CourseUpdate(**course).changes()
            update_record(db, reporter, CYCLES, patient.id, row.id, changes)
            counts["cycle courses"] += 1
    for a in p.adverse_events:
        add(
            ADVERSE_EVENTS, AdverseEventCreate, "adverse effects", effect=a.effect,
            severity=a.severity, onset_on=a.onset_on, resolved_on=a.resolved_on,
            session_id=session_ids[a.session_index], notes=a.notes,
        )  # fmt: skip
    for e in p.assessments:
        add(
            ASSESSMENTS, AssessmentCreate, "assessments", assessed_on=e.assessed_on,
            jankovic_severity=e.jankovic_severity, jankovic_frequency=e.jankovic_frequency,
            smc_grade=e.smc_grade, hfs7_total=e.hfs7_total,
        )  # fmt: skip
    for r in p.self_ratings:
        add(SELF_RATINGS, SelfRatingCreate, "self-ratings", reporter, rated_on=r.rated_on,
            score=r.score)  # fmt: skip
    if p.surgery is not None:
        op = p.surgery
        add(
            SURGERIES, SurgeryCreate, "surgeries", surgery_on=op.surgery_on,
            surgeon="Demo neurosurgery team", side=op.side, vessels=list(op.vessels),
            findings="A looping artery pressed on the nerve's root exit zone; it was moved "
            "away and held off with a small pad.",
            monitoring="The lateral spread response disappeared after the decompression.",
            outcome=SurgeryOutcome.COMPLETE, recurrence_on=op.recurrence_on, notes=op.notes,
        )  # fmt: skip
    for v in p.videos:
        analysis = add(
            VIDEO_ANALYSES, VideoAnalysisCreate, "video analyses", recorded_on=v.recorded_on,
            result=results[v.video].result, notes=v.notes,
        )  # fmt: skip
        if data_dir is not None and attach_evidence(
            db, sample=results[v.video], patient_id=patient.id, analysis_id=analysis.id,
            uploaded_by=int(clinician.user_id or 0), clinic_id=clinician.clinic_id,
            recorded_on=v.recorded_on, data_dir=data_dir,
        ):  # fmt: skip
            db.commit()
            counts["video reports with evidence"] += 1
    return counts
