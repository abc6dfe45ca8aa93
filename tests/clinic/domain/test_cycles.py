import subprocess
import sys
from datetime import date, timedelta

import pytest

from hemispasm.clinic.domain.cycles import CycleCourse, effect_trend_days_per_cycle
from hemispasm.errors import ClinicalDataError

D = date(2024, 1, 8)


def cycle(k: int, effect_days: int | None, onset_days: int = 4) -> CycleCourse:
    injected = D + timedelta(weeks=13 * k)
    began = injected + timedelta(days=onset_days)
    worn = None if effect_days is None else began + timedelta(days=effect_days)
    return CycleCourse(injected, effect_began_on=began, wore_off_on=worn)


def test_the_effect_lasts_from_onset_to_wear_off() -> None:
    assert cycle(0, 80).effect_days == 80
    assert cycle(0, None).effect_days is None
    no_onset = CycleCourse(D, wore_off_on=D + timedelta(days=90))
    assert no_onset.effect_days == 90


def test_it_refuses_a_wear_off_before_the_injection() -> None:
    with pytest.raises(ClinicalDataError, match=r"^wore_off_on: 2024-01-01 is before injected_on"):
        CycleCourse(D, wore_off_on=D - timedelta(days=7))
    with pytest.raises(ClinicalDataError, match=r"^wore_off_on: .* is before effect_began_on"):
        CycleCourse(D, effect_began_on=D + timedelta(days=5), wore_off_on=D + timedelta(days=3))


def test_a_shortening_effect_gives_a_negative_trend() -> None:
    shrinking = [cycle(k, 90 - 6 * k) for k in range(5)]
    assert effect_trend_days_per_cycle(shrinking) == -6.0
    steady = [cycle(k, 84) for k in range(5)]
    assert effect_trend_days_per_cycle(steady) == 0.0


def test_the_trend_uses_only_complete_recent_cycles() -> None:
    cycles = [cycle(k, 60) for k in range(4)] + [cycle(k, 90 + k) for k in range(4, 8)]
    cycles.append(cycle(8, None))  # the current cycle has not worn off yet
    assert effect_trend_days_per_cycle(cycles, last=4) == 1.0
    assert effect_trend_days_per_cycle(cycles[:2]) is None
    with pytest.raises(ClinicalDataError, match=r"^last: must be at least 2"):
        effect_trend_days_per_cycle(cycles, last=1)


def test_the_domain_imports_no_database_web_or_video_code() -> None:
    code = (
        "import sys, pkgutil, importlib, hemispasm.clinic.domain as d\n"
        "for m in pkgutil.iter_modules(d.__path__):\n"
        "    importlib.import_module(d.__name__ + '.' + m.name)\n"
        "bad = {'sqlalchemy', 'fastapi', 'cv2', 'mediapipe', 'av'} & set(sys.modules)\n"
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
