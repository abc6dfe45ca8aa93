"""Dose history per product, year and site; vials, wastage and consent, on fixed data."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from hemispasm.clinic.domain.dose_history import DosedSession, SiteKey, dose_history
from hemispasm.clinic.domain.dosing import SiteDose
from hemispasm.clinic.domain.vials import (
    MAX_VIALS_PER_SESSION,
    Vial,
    check_consent,
    check_vial,
    check_vials,
    wastage,
)
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle, Product
from hemispasm.errors import ClinicalDataError

ONA = Product.ONABOTULINUMTOXIN_A
ABO = Product.ABOBOTULINUMTOXIN_A
UPPER = Muscle.ORBICULARIS_OCULI_PRETARSAL_UPPER
LEFT, RIGHT = InjectionSide.LEFT, InjectionSide.RIGHT


def dose(muscle: Muscle, units: float, side: InjectionSide = LEFT) -> SiteDose:
    return SiteDose(muscle, side, units)


SESSIONS = (
    DosedSession(date(2023, 2, 1), ONA, (dose(UPPER, 2.5), dose(Muscle.ZYGOMATICUS_MAJOR, 1.25))),
    DosedSession(date(2023, 6, 1), ONA, (dose(UPPER, 5.0),)),
    DosedSession(date(2025, 1, 10), ONA, (dose(UPPER, 2.5), dose(UPPER, 2.5, RIGHT))),
    DosedSession(date(2026, 3, 1), ABO, (dose(UPPER, 10.0),)),
)


def test_it_keeps_each_products_units_apart() -> None:
    history = dose_history(SESSIONS)
    assert [p.product for p in history.products] == [ABO, ONA]  # latest used first
    abo, ona = history.products
    assert abo.total_units == 10.0 and abo.sessions == 1
    assert ona.total_units == 13.75 and ona.sessions == 3
    assert history.sessions == 4


def test_it_sums_each_year_per_site_with_the_gap_years_shown() -> None:
    ona = dose_history(SESSIONS).products[1]
    assert ona.sites == (
        SiteKey(UPPER, RIGHT),
        SiteKey(UPPER, LEFT),
        SiteKey(Muscle.ZYGOMATICUS_MAJOR, LEFT),
    )
    rows = [(y.year, y.sessions, y.units_by_site, y.total_units) for y in ona.years]
    assert rows == [
        (2023, 2, (0.0, 7.5, 1.25), 8.75),
        (2024, 0, (0.0, 0.0, 0.0), 0.0),
        (2025, 1, (2.5, 2.5, 0.0), 5.0),
    ]
    assert ona.site_totals == (2.5, 10.0, 1.25)
    assert (ona.first_on, ona.last_on) == (date(2023, 2, 1), date(2025, 1, 10))


def test_it_keeps_other_products_of_different_names_apart() -> None:
    history = dose_history(
        [
            DosedSession(date(2024, 1, 1), Product.OTHER, (dose(UPPER, 2),), "Toxin X"),
            DosedSession(date(2024, 5, 1), Product.OTHER, (dose(UPPER, 3),), "Toxin Y"),
        ]
    )
    assert sorted((p.product_name, p.total_units) for p in history.products) == [
        ("Toxin X", 2.0),
        ("Toxin Y", 3.0),
    ]


def test_the_totals_do_not_depend_on_the_order_of_the_sessions() -> None:
    forward = dose_history(SESSIONS)
    backward = dose_history(reversed(SESSIONS))
    assert forward == backward


def test_no_sessions_make_an_empty_history() -> None:
    assert dose_history([]).products == ()


VIAL = Vial(
    vial_units=100, diluent_ml=2.5, units_drawn_up=30, lot="C1234", expiry_on=date(2027, 1, 31)
)


def test_a_vials_concentration_follows_from_its_size_and_diluent() -> None:
    assert VIAL.units_per_ml == 40.0
    assert VIAL.units_per_0_1_ml == 4.0


def test_it_computes_the_wasted_units_of_a_session() -> None:
    second = Vial(50, 1.0, 12.5, "C9", date(2027, 1, 31))
    w = wastage([VIAL, second], injected_units=40)
    assert (w.drawn_up_units, w.injected_units, w.wasted_units) == (42.5, 40.0, 2.5)
    assert w.warning is None


def test_more_injected_than_drawn_up_is_a_warning_with_a_negative_wastage() -> None:
    w = wastage([VIAL], injected_units=32.5)
    assert w.wasted_units == -2.5
    assert w.warning is not None and "32.5 U were injected but only 30 U drawn up" in w.warning


def test_it_refuses_a_vial_that_expired_before_the_session_naming_the_field() -> None:
    with pytest.raises(ClinicalDataError, match=r"^vials\[1\]\.expiry_on: 2026-12-31 is before"):
        check_vials(
            [VIAL, Vial(100, 2.5, 10, "C2", date(2026, 12, 31))], session_on=date(2027, 1, 5)
        )


def test_a_vial_expiring_on_the_session_day_is_accepted() -> None:
    check_vial(VIAL, session_on=VIAL.expiry_on)


@pytest.mark.parametrize(
    ("vial", "message"),
    [
        (Vial(0, 2.5, 0, "L", date(2027, 1, 1)), r"^vial_units: must be more than 0"),
        (Vial(600, 2.5, 0, "L", date(2027, 1, 1)), r"^vial_units: .* at most 500 U"),
        (Vial(100, 0, 0, "L", date(2027, 1, 1)), r"^diluent_ml: must be more than 0"),
        (Vial(100, 2, -1, "L", date(2027, 1, 1)), r"^units_drawn_up: must be 0 or more"),
        (Vial(100, 2, 101, "L", date(2027, 1, 1)), r"^units_drawn_up: 101 U is more than the vial"),
        (Vial(100, 2, 1.001, "L", date(2027, 1, 1)), r"^units_drawn_up: "),
        (Vial(100, 2, 10, "  ", date(2027, 1, 1)), r"^lot: write the lot number"),
        (Vial(100, 2, 10, "L" * 65, date(2027, 1, 1)), r"^lot: at most 64 characters, but got 65"),
    ],
)
def test_it_refuses_an_impossible_vial_naming_the_field(vial: Vial, message: str) -> None:
    with pytest.raises(ClinicalDataError, match=message):
        check_vial(vial, session_on=date(2026, 6, 1))


def test_it_refuses_more_vials_than_a_session_uses() -> None:
    with pytest.raises(ClinicalDataError, match=r"^vials: at most 10 vials"):
        check_vials([VIAL] * (MAX_VIALS_PER_SESSION + 1), session_on=date(2026, 6, 1))


def test_it_refuses_a_consent_dated_after_the_injection() -> None:
    with pytest.raises(ClinicalDataError, match=r"^consented_on: 2026-06-02 is after the session"):
        check_consent(date(2026, 6, 2), session_on=date(2026, 6, 1), today=date(2026, 7, 1))
    with pytest.raises(ClinicalDataError, match=r"^consented_on: 2026-08-01 is in the future"):
        check_consent(date(2026, 8, 1), session_on=date(2026, 9, 1), today=date(2026, 7, 1))
    check_consent(date(2025, 6, 1), session_on=date(2026, 6, 1), today=date(2026, 7, 1))


def test_the_computations_import_no_storage_or_web_library() -> None:
    code = (
        "import sys\n"
        "import hemispasm.clinic.domain.dose_history, hemispasm.clinic.domain.vials\n"
        "bad = {'sqlalchemy', 'fastapi', 'cv2', 'mediapipe', 'av'} & set(sys.modules)\n"
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
