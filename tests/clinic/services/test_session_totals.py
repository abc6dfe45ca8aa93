"""The database's session totals and limit checks agree with the domain's check_dose_limits."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy.orm import Session

from hemispasm.clinic.db.models import DoseLimit, InjectionSession, InjectionSite, Patient
from hemispasm.clinic.domain.dosing import DoseLimits, SessionDoses, SiteDose, check_dose_limits
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle, Product
from hemispasm.clinic.services.accounts import get_or_create_clinic
from hemispasm.clinic.services.timeline import session_totals


def test_the_sql_totals_match_the_domain_rules_on_random_sessions(db: Session) -> None:
    rng = random.Random(7)
    clinic = get_or_create_clinic(db, "Totals Clinic")
    # tighter limits than the defaults so that warnings are common; one product has none at all
    for row in clinic.dose_limits:
        row.max_units_per_site = 3.0
        row.max_units_per_session = 20.0
        row.max_units_per_lower_face_site = (
            1.5 if row.product is Product.ONABOTULINUMTOXIN_A else None
        )
    patient = Patient(clinic_id=clinic.id, mrn="T-1", name="Demo Patient T")
    db.add(patient)
    db.flush()
    products = list(Product)
    expected = {}
    for k in range(40):
        product = rng.choice(products)
        sites = tuple(
            SiteDose(
                rng.choice(list(Muscle)),
                rng.choice(list(InjectionSide)),
                rng.choice([0.5, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0]),
            )
            for _ in range(rng.randint(0, 12))
        )
        session = InjectionSession(
            patient_id=patient.id,
            session_on=date(2020, 1, 1) + timedelta(days=90 * k),
            product=product,
            product_name="x" if product is Product.OTHER else None,
            dilution_units_per_0_1_ml=2.5,
        )
        db.add(session)
        db.flush()
        db.add_all(
            InjectionSite(session_id=session.id, muscle=s.muscle, side=s.side, units=s.units)
            for s in sites
        )
        # a replaced site never counts
        db.add(
            InjectionSite(
                session_id=session.id,
                muscle=Muscle.PROCERUS,
                side=InjectionSide.LEFT,
                units=99.0,
                deleted_at=clinic.created_at,
            )
        )
        expected[session.id] = (product, sites)
    db.flush()
    limits = {
        row.product: DoseLimits(
            row.product,
            row.max_units_per_site,
            row.max_units_per_session,
            row.max_units_per_lower_face_site,
        )
        for row in db.query(DoseLimit).filter(DoseLimit.clinic_id == clinic.id)
    }
    got = session_totals(db, patient)
    for session_id, (product, sites) in expected.items():
        doses = SessionDoses(product, 2.5, sites)
        warnings = check_dose_limits(doses, limits[product]) if product in limits else []
        if not sites:
            assert session_id not in got
            continue
        totals = got[session_id]
        by_side = doses.total_units_by_side()
        assert totals.units_left == by_side[InjectionSide.LEFT]
        assert totals.units_right == by_side[InjectionSide.RIGHT]
        assert totals.site_count == len(sites)
        assert totals.warning_count == len(warnings), (product, sites)
    assert sum(t.warning_count for t in got.values()) > 20  # the comparison is not vacuous
