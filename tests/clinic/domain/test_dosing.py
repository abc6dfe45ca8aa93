import pytest

from hemispasm.clinic.domain.dosing import (
    DEFAULT_LIMITS,
    DoseLimits,
    SessionDoses,
    SiteDose,
    check_dose_limits,
    on_unit_grid,
    sites_from,
    volume_ml,
)
from hemispasm.clinic.domain.vocab import InjectionSide, Muscle, Product
from hemispasm.errors import ClinicalDataError

ONA = Product.ONABOTULINUMTOXIN_A
LEFT, RIGHT = InjectionSide.LEFT, InjectionSide.RIGHT


def session(*sites: SiteDose, product: Product = ONA, dilution: float = 2.5) -> SessionDoses:
    return SessionDoses(product, dilution, tuple(sites))


def test_the_volume_follows_from_the_dilution() -> None:
    assert volume_ml(2.5, dilution_units_per_0_1_ml=2.5) == 0.1
    assert volume_ml(5.0, dilution_units_per_0_1_ml=2.5) == 0.2
    assert volume_ml(5.0, dilution_units_per_0_1_ml=5.0) == 0.1


def test_more_units_never_take_less_volume() -> None:
    volumes = [volume_ml(u, dilution_units_per_0_1_ml=2.5) for u in (1.25, 2.5, 5, 10)]
    assert volumes == sorted(volumes)


def test_totals_are_per_side_and_for_the_session() -> None:
    s = session(
        SiteDose(Muscle.ORBICULARIS_OCULI_PRETARSAL_UPPER, LEFT, 2.5),
        SiteDose(Muscle.ZYGOMATICUS_MAJOR, LEFT, 1.25),
        SiteDose(Muscle.FRONTALIS, RIGHT, 2.5),
    )
    assert s.total_units == 6.25
    assert s.total_units_by_side() == {LEFT: 3.75, RIGHT: 2.5}
    assert session().total_units_by_side() == {LEFT: 0.0, RIGHT: 0.0}


def test_it_warns_above_the_site_and_session_limits() -> None:
    limits = DoseLimits(ONA, max_units_per_site=5, max_units_per_session=12)
    s = session(
        SiteDose(Muscle.ORBICULARIS_OCULI_PRESEPTAL, LEFT, 7.5),
        SiteDose(Muscle.ORBICULARIS_OCULI_PRETARSAL_LOWER, LEFT, 5),
    )
    warnings = check_dose_limits(s, limits)
    assert [w.scope for w in warnings] == ["site:orbicularis_oculi_preseptal:left", "session"]
    assert "7.5 U into left orbicularis_oculi_preseptal" in warnings[0].message


def test_lower_face_sites_have_their_own_smaller_limit() -> None:
    s = session(SiteDose(Muscle.DEPRESSOR_ANGULI_ORIS, RIGHT, 3.0))
    warnings = check_dose_limits(s, DEFAULT_LIMITS[ONA])
    assert [(w.scope, w.limit) for w in warnings] == [("site:depressor_anguli_oris:right", 2.5)]
    upper = session(SiteDose(Muscle.ORBICULARIS_OCULI_PRETARSAL_UPPER, RIGHT, 3.0))
    assert check_dose_limits(upper, DEFAULT_LIMITS[ONA]) == []


def test_it_never_compares_units_of_different_products() -> None:
    s = session(SiteDose(Muscle.FRONTALIS, LEFT, 2.5))
    with pytest.raises(ClinicalDataError, match="units of different products are not comparable"):
        check_dose_limits(s, DEFAULT_LIMITS[Product.ABOBOTULINUMTOXIN_A])


@pytest.mark.parametrize("units", [0, -1, 1000, float("nan"), "5", True])
def test_it_rejects_impossible_units(units: object) -> None:
    with pytest.raises(ClinicalDataError, match="units"):
        SiteDose(Muscle.FRONTALIS, LEFT, units)  # type: ignore[arg-type]


@pytest.mark.parametrize("dilution", [0, -2.5, 500])
def test_it_rejects_impossible_dilutions(dilution: float) -> None:
    with pytest.raises(ClinicalDataError, match=r"^dilution_units_per_0_1_ml: must be more than 0"):
        session(dilution=dilution)


def test_it_names_the_unknown_muscle_and_side() -> None:
    with pytest.raises(ClinicalDataError, match=r"sites\[1\]\.muscle: unknown muscle 'nose'"):
        sites_from([("frontalis", "left", 2.5), ("nose", "left", 2.5)])
    with pytest.raises(ClinicalDataError, match=r"sites\[0\]\.side: must be 'left' or 'right'"):
        sites_from([("frontalis", "both", 2.5)])
    assert sites_from([("risorius", "right", 1.25)]) == (SiteDose(Muscle.RISORIUS, RIGHT, 1.25),)


@pytest.mark.parametrize("units", [1e-320, 0.005, 2.555, 1.2501])
def test_new_units_finer_than_the_resolution_are_refused(units: float) -> None:
    with pytest.raises(ClinicalDataError, match=r"^sites\[0\]\.units: must be a multiple of 0\.01"):
        sites_from([("frontalis", "left", units)])


@pytest.mark.parametrize("value", [1.7976931348623157e308, -1e307, float("inf"), float("nan")])
def test_values_whose_steps_overflow_are_off_the_grid_not_an_error(value: float) -> None:
    assert not on_unit_grid(value)


@pytest.mark.parametrize("value", [0.01, 1.25, 3.33, 0.1 + 0.2, 99.99, 100])
def test_the_doses_and_dilutions_in_use_are_on_the_grid(value: float) -> None:
    assert on_unit_grid(value)
    assert sites_from([("frontalis", "left", value)])[0].units == value


def test_a_stored_dose_finer_than_the_resolution_stays_readable() -> None:
    s = session(SiteDose(Muscle.FRONTALIS, LEFT, 2.555), dilution=3.333)
    assert s.total_units == 2.555 and s.volume_ml(s.sites[0]) == 0.0767


def test_the_urgent_adverse_effects_are_the_signs_of_spread() -> None:
    from hemispasm.clinic.domain.vocab import AdverseEffect

    assert {e for e in AdverseEffect if e.urgent} == {
        AdverseEffect.SWALLOWING_DIFFICULTY,
        AdverseEffect.BREATHING_DIFFICULTY,
    }
