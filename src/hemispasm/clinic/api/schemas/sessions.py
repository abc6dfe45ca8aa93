"""A stored injection session as the API and the pages show it: with its volumes, totals per
side and dose-limit warnings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from hemispasm.clinic.api.schemas import records as s
from hemispasm.clinic.db.models import InjectionSession, Patient
from hemispasm.clinic.domain.dosing import SiteDose
from hemispasm.clinic.services.treatment import SessionSummary, clinic_limits, summarise_session


def session_out(session: InjectionSession, db: Any) -> s.SessionPublic:
    """A session with its volumes, totals per side and dose-limit warnings."""
    patient = db.get(Patient, session.patient_id)  # in the identity map after the access check
    cache = db.info.setdefault("dose_limits", {})
    if patient.clinic_id not in cache:
        cache[patient.clinic_id] = clinic_limits(db, patient.clinic_id)
    sites = [SiteDose(s.muscle, s.side, s.units) for s in session.sites]
    summary = summarise_session(
        session.product, session.dilution_units_per_0_1_ml, sites, cache[patient.clinic_id]
    )
    values = {c.key: getattr(session, c.key) for c in InjectionSession.__table__.columns}
    return s.SessionPublic.model_validate(session_dict(values, sites, summary))


_SESSION_FIELDS = frozenset(s.SessionPublic.model_fields) - {
    "sites",
    "total_units",
    "units_left",
    "units_right",
    "warnings",
}


def session_dict(
    values: Mapping[str, Any], sites: Sequence[SiteDose], summary: SessionSummary
) -> dict[str, Any]:
    """The fields of ``SessionPublic`` as plain data, from stored column values and sites."""
    by_side = {side.value: units for side, units in summary.units_by_side.items()}
    return {
        **{k: v for k, v in values.items() if k in _SESSION_FIELDS},
        "sites": [
            {"muscle": site.muscle, "side": site.side, "units": site.units, "volume_ml": volume}
            for site, volume in zip(sites, summary.volumes_ml, strict=True)
        ],
        "total_units": summary.total_units,
        "units_left": by_side["left"],
        "units_right": by_side["right"],
        "warnings": [asdict(w) for w in summary.warnings],
    }
