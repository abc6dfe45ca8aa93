"""Every model, imported in one place so that the metadata is complete (Alembic reads it here)."""

from hemispasm.clinic.db.accounts import AuditEvent, AuthSession, Clinic, DoseLimit, User
from hemispasm.clinic.db.assessments import Assessment, SelfRating, VideoAnalysis
from hemispasm.clinic.db.base import Base
from hemispasm.clinic.db.corrections import EventCorrection
from hemispasm.clinic.db.jobs import AnalysisJob, JobState, Upload
from hemispasm.clinic.db.patients import Diagnosis, MriStudy, Patient
from hemispasm.clinic.db.session_photos import SessionPhoto
from hemispasm.clinic.db.session_records import SessionConsent, SessionVial
from hemispasm.clinic.db.surgery import Surgery
from hemispasm.clinic.db.treatment import AdverseEvent, InjectionSession, InjectionSite

__all__ = [
    "AdverseEvent",
    "AnalysisJob",
    "Assessment",
    "AuditEvent",
    "AuthSession",
    "Base",
    "Clinic",
    "Diagnosis",
    "DoseLimit",
    "EventCorrection",
    "InjectionSession",
    "InjectionSite",
    "JobState",
    "MriStudy",
    "Patient",
    "SelfRating",
    "SessionConsent",
    "SessionPhoto",
    "SessionVial",
    "Surgery",
    "Upload",
    "User",
    "VideoAnalysis",
]
