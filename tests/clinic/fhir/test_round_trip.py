"""FHIR Bulk Data export and import of the demo clinic: the round trip, the models, the refusals."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import func, select, text
from sqlalchemy.pool import NullPool

from hemispasm.cli import main
from hemispasm.clinic import commands
from hemispasm.clinic.db.engine import make_engine
from hemispasm.clinic.db.models import AuditEvent, InjectionSite, Patient, VideoAnalysis
from hemispasm.clinic.fhir.codes import code_table
from hemispasm.clinic.fhir.from_fhir import RESOURCE_TYPES
from hemispasm.clinic.services import fhir_exchange
from hemispasm.clinic.settings import Settings
from tests.clinic.conftest import POSTGRES_URL, postgres_schema_url, skip_or_fail_without_postgres

TODAY = date(2026, 6, 15)
STORED_RESULT = json.loads(
    (Path(__file__).parents[2] / "data" / "result_synthetic_left.json").read_text(encoding="utf-8")
)
DOCS = Path(__file__).parents[3] / "docs" / "fhir.md"


def _settings(data_dir: Path, database_url: str | None = None) -> Settings:
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=database_url,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        embedded_worker=False,
    )


@dataclass(frozen=True)
class Exported:
    """The demo clinic, its export, that export imported into an empty clinic, and its export."""

    demo: Path
    first: Path
    copy: Path
    second: Path


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    root = tmp_path_factory.mktemp("fhir")
    commands.demo(
        _settings(root / "demo"),
        patients=9,
        seed=1,
        today=TODAY,
        make_video=lambda video, folder: copy.deepcopy(STORED_RESULT),
    )
    out = Exported(root / "demo", root / "first", root / "copy", root / "second")
    assert main(["export", "fhir", "--data", str(out.demo), "--out", str(out.first)]) == 0
    assert main(["import", "fhir", str(out.first), "--data", str(out.copy)]) == 0
    assert main(["export", "fhir", "--data", str(out.copy), "--out", str(out.second)]) == 0
    return out


def _resources(folder: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(folder.glob("*.ndjson")):
        for line in path.read_text(encoding="utf-8").splitlines():
            yield path.stem, json.loads(line)


def _without_ids(folder: Path) -> dict[str, list[Any]]:
    """Every resource with its id, and the ids it refers to, replaced by its place in its file."""
    places: dict[str, str] = {}
    for kind, resource in _resources(folder):
        places[f"{kind}/{resource['id']}"] = (
            f"{kind}/#{sum(p.startswith(kind + '/') for p in places)}"
        )

    def renamed(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: (places[v] if k == "reference" else renamed(v))
                for k, v in value.items()
                if k != "id"
            }
        if isinstance(value, list):
            return [renamed(v) for v in value]
        return value

    out: dict[str, list[Any]] = {}
    for kind, resource in _resources(folder):
        out.setdefault(kind, []).append(renamed(resource))
    return out


def _counts(folder: Path) -> Counter[str]:
    return Counter(kind for kind, _ in _resources(folder))


def test_the_export_holds_every_kind_of_record(exported: Exported) -> None:
    counts = _counts(exported.first)
    assert set(counts) == set(RESOURCE_TYPES)
    assert counts["Patient"] == 9


def test_exporting_importing_and_exporting_again_gives_the_same_counts_and_content(
    exported: Exported,
) -> None:
    assert _counts(exported.second) == _counts(exported.first)
    first, second = _without_ids(exported.first), _without_ids(exported.second)
    for kind in RESOURCE_TYPES:
        assert second[kind] == first[kind], kind


def test_the_imported_clinic_has_the_same_rows_as_the_demo_clinic(exported: Exported) -> None:
    def count(data: Path, model: Any) -> int:
        engine = make_engine(_settings(data).sqlalchemy_url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return conn.scalar(select(func.count()).select_from(model)) or 0
        finally:
            engine.dispose()

    for model in (Patient, InjectionSite, VideoAnalysis):
        assert count(exported.copy, model) == count(exported.demo, model) > 0


def test_every_resource_parses_with_the_fhir_resources_r4b_models(exported: Exported) -> None:
    for kind, resource in _resources(exported.first):
        model = get_fhir_model_class(kind).model_validate(resource)
        assert model.model_dump(mode="json", exclude_none=True) == resource


def test_every_code_written_is_in_the_code_table(exported: Exported) -> None:
    table = {(row.system, row.code) for row in code_table()}

    def codings(value: Any) -> Iterator[tuple[str, str]]:
        if isinstance(value, dict):
            if "system" in value and "code" in value:
                yield value["system"], value["code"]
            for v in value.values():
                yield from codings(v)
        elif isinstance(value, list):
            for v in value:
                yield from codings(v)

    used = {c for _, resource in _resources(exported.first) for c in codings(resource)}
    assert used - table == set()


def test_the_docs_list_every_code_of_the_table() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [row for row in code_table() if f"`{row.code}`" not in text or row.system not in text]
    assert missing == [], "regenerate docs/fhir.md: python -m hemispasm.clinic.fhir.codes"


def test_each_exported_patient_is_audited_as_an_export_by_the_command_line(
    exported: Exported,
) -> None:
    engine = make_engine(_settings(exported.demo).sqlalchemy_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(AuditEvent.user_id, AuditEvent.patient_id, AuditEvent.request).where(
                    AuditEvent.action == "export", AuditEvent.entity == "fhir"
                )
            ).all()
            patients = set(conn.scalars(select(Patient.id)))
    finally:
        engine.dispose()
    assert {r.patient_id for r in rows} == patients
    assert {r.user_id for r in rows} == {None}
    assert all(r.request.startswith("hemispasm export fhir") for r in rows)


def _copy_with(source: Path, target: Path, kind: str, line: int, change: Any) -> None:
    target.mkdir()
    for path in source.glob("*.ndjson"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        if path.stem == kind:
            resource = json.loads(lines[line - 1])
            change(resource)
            lines[line - 1] = json.dumps(resource) + "\n"
        (target / path.name).write_text("".join(lines), encoding="utf-8")


def _patients_in(data: Path) -> int:
    engine = make_engine(_settings(data).sqlalchemy_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(Patient)) or 0
    finally:
        engine.dispose()


def test_one_bad_resource_imports_nothing_and_names_the_file_line_and_field(
    exported: Exported, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def bad_site(resource: dict[str, Any]) -> None:
        resource["dosage"]["site"]["coding"][0]["code"] = "left.eyebrow"

    bad = tmp_path / "bad"
    _copy_with(exported.first, bad, "MedicationAdministration", 7, bad_site)
    assert main(["import", "fhir", str(bad), "--data", str(tmp_path / "clinic")]) == 16
    error = capsys.readouterr().err
    assert "MedicationAdministration.ndjson, line 7, dosage.site" in error
    assert "unknown face-map site 'left.eyebrow'" in error
    assert _patients_in(tmp_path / "clinic") == 0


def test_a_resource_the_models_refuse_is_named_with_its_field(
    exported: Exported, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def bad_date(resource: dict[str, Any]) -> None:
        resource["birthDate"] = "born in spring"

    bad = tmp_path / "bad"
    _copy_with(exported.first, bad, "Patient", 3, bad_date)
    assert main(["import", "fhir", str(bad), "--data", str(tmp_path / "clinic")]) == 16
    assert "Patient.ndjson, line 3, birthDate" in capsys.readouterr().err
    assert _patients_in(tmp_path / "clinic") == 0


def test_a_side_effect_naming_a_session_not_in_the_files_is_refused(
    exported: Exported, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def elsewhere(resource: dict[str, Any]) -> None:
        resource["suspectEntity"] = [{"instance": {"reference": "Procedure/session-999999"}}]

    bad = tmp_path / "bad"
    _copy_with(exported.first, bad, "AdverseEvent", 2, elsewhere)
    assert main(["import", "fhir", str(bad), "--data", str(tmp_path / "clinic")]) == 16
    assert (
        "AdverseEvent.ndjson, line 2, suspectEntity: refers to 'session-999999', not found"
        in capsys.readouterr().err
    )
    assert _patients_in(tmp_path / "clinic") == 0


def _first_line(folder: Path, kind: str, code: str) -> int:
    """The number of the first line of ``kind`` whose text holds ``code``."""
    lines = (folder / f"{kind}.ndjson").read_text(encoding="utf-8").splitlines()
    return next(i for i, text in enumerate(lines, start=1) if code in text)


def test_a_self_rating_outside_0_to_10_is_refused_with_its_field(
    exported: Exported, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def eleven(resource: dict[str, Any]) -> None:
        resource["valueInteger"] = 11

    line = _first_line(exported.first, "Observation", '"self-rating"')
    bad = tmp_path / "bad"
    _copy_with(exported.first, bad, "Observation", line, eleven)
    assert main(["import", "fhir", str(bad), "--data", str(tmp_path / "clinic")]) == 16
    error = capsys.readouterr().err
    assert f"Observation.ndjson, line {line}, valueInteger: must be 0 to 10, got 11" in error
    assert _patients_in(tmp_path / "clinic") == 0


def test_a_session_in_the_future_is_refused_by_the_checks_the_app_makes(
    exported: Exported, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def next_century(resource: dict[str, Any]) -> None:
        resource["performedDateTime"] = "2126-01-05"

    line = _first_line(exported.first, "Procedure", "botulinum-toxin-injection")
    bad = tmp_path / "bad"
    _copy_with(exported.first, bad, "Procedure", line, next_century)
    assert main(["import", "fhir", str(bad), "--data", str(tmp_path / "clinic")]) == 16
    assert f"Procedure.ndjson, line {line}, performedDateTime: " in capsys.readouterr().err
    assert _patients_in(tmp_path / "clinic") == 0


def test_importing_the_same_patients_twice_is_refused_and_adds_nothing(
    exported: Exported, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "clinic"
    assert main(["import", "fhir", str(exported.first), "--data", str(data)]) == 0
    assert "imported 9 patients (1 Organization, 9 Patient, 9 Condition" in capsys.readouterr().err
    assert main(["import", "fhir", str(exported.first), "--data", str(data)]) == 16
    assert "Patient.ndjson, line 1, identifier: record number" in capsys.readouterr().err
    assert _patients_in(data) == 9


def test_the_export_refuses_a_folder_that_holds_files(exported: Exported, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine", encoding="utf-8")
    assert main(["export", "fhir", "--data", str(exported.demo), "--out", str(tmp_path)]) == 11
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_an_export_that_cannot_be_written_leaves_nothing_and_exits_8(
    exported: Exported, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    out = tmp_path / "a-file" / "export"
    assert main(["export", "fhir", "--data", str(exported.demo), "--out", str(out)]) == 8
    assert "cannot write the export" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_the_round_trip_through_postgresql_gives_the_same_resources(
    exported: Exported, tmp_path: Path
) -> None:
    skip_or_fail_without_postgres()
    schema = f"hs_fhir_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        settings = _settings(tmp_path / "data", postgres_schema_url(schema))
        fhir_exchange.import_folder(settings, exported.first)
        fhir_exchange.export_folder(settings, tmp_path / "again")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    assert _without_ids(tmp_path / "again") == _without_ids(exported.first)


def test_the_mapping_imports_no_database_web_or_video_library() -> None:
    code = (
        "import sys, hemispasm.clinic.fhir.to_fhir, hemispasm.clinic.fhir.from_fhir;"
        "print(sorted(m for m in ('sqlalchemy', 'fastapi', 'cv2', 'mediapipe') "
        "if m in sys.modules))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"
