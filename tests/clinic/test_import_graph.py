"""The clinic's parts import each other one way only: the composition root (``clinic.app``) knows
``api``, ``web`` and ``jobs``; ``api`` and ``web`` share ``api.deps``, ``api.errors``,
``api.schemas`` and the upload form, never each other's routes; ``jobs`` reaches the database
through ``services`` and knows nothing of the app or the commands.

Imports are read from the source (those inside functions count too), so a cycle cannot hide in a
deferred import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import hemispasm.clinic

CLINIC_DIR = Path(hemispasm.clinic.__file__).parent
PREFIX = "hemispasm.clinic"

WEB_MAY_USE_FROM_API = (
    "api.deps",
    "api.errors",
    "api.schemas",
    "api.upload_form",
    "api.video_form",
)
"""What the pages share with the API: dependencies, the error model, request and response
models, and the streaming upload forms (a video's, a photo's)."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(CLINIC_DIR).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PREFIX, *parts))


def _imported_names(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def clinic_imports() -> dict[str, set[str]]:
    """Each clinic module and the clinic modules it imports (anywhere in its source)."""
    sources = {_module_name(p): p for p in CLINIC_DIR.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in sources.items():
        targets: set[str] = set()
        for imported in _imported_names(ast.parse(path.read_text(encoding="utf-8"))):
            while imported not in sources and "." in imported:
                imported = imported.rsplit(".", 1)[0]  # a name imported from a module
            if imported in sources and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def part_of(module: str) -> str:
    """The part of the clinic a module belongs to: ``api``, ``web``, ``jobs``, ``commands``..."""
    rest = module.removeprefix(PREFIX).lstrip(".")
    return rest.split(".", 1)[0] or "clinic"


def part_graph(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """Which part imports which (a part's imports of itself left out)."""
    parts: dict[str, set[str]] = {}
    for module, targets in graph.items():
        source = part_of(module)
        parts.setdefault(source, set()).update(part_of(t) for t in targets if part_of(t) != source)
    return parts


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as the nodes along it (first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def imports_from(graph: Mapping[str, set[str]], part: str) -> set[tuple[str, str]]:
    """Every (module, imported module) edge that leaves ``part``."""
    return {
        (module, target)
        for module, targets in graph.items()
        if part_of(module) == part
        for target in targets
        if part_of(target) != part
    }


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return clinic_imports()


def test_the_cycle_finder_finds_a_cycle_of_three_and_none_in_a_chain() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_imports_made_inside_functions(graph: dict[str, set[str]]) -> None:
    # commands imports the app only when it serves
    assert f"{PREFIX}.app" in graph[f"{PREFIX}.commands"]


def test_the_parts_of_the_clinic_import_each_other_without_a_cycle(
    graph: dict[str, set[str]],
) -> None:
    assert find_cycle(part_graph(graph)) is None


def test_the_modules_of_the_clinic_import_each_other_without_a_cycle(
    graph: dict[str, set[str]],
) -> None:
    assert find_cycle(graph) is None


def test_only_the_composition_root_and_the_commands_import_the_app(
    graph: dict[str, set[str]],
) -> None:
    users = {part_of(m) for m, targets in graph.items() if f"{PREFIX}.app" in targets}
    assert users <= {"commands"}


def test_the_api_imports_neither_the_pages_nor_the_worker_nor_the_commands(
    graph: dict[str, set[str]],
) -> None:
    leaving = imports_from(graph, "api")
    assert {(m, t) for m, t in leaving if part_of(t) in {"web", "app", "commands"}} == set()
    assert {(m, t) for m, t in leaving if t.startswith(f"{PREFIX}.jobs.worker")} == set()


def test_the_pages_use_only_the_shared_parts_of_the_api(graph: dict[str, set[str]]) -> None:
    allowed = tuple(f"{PREFIX}.{name}" for name in WEB_MAY_USE_FROM_API)
    reaching = {
        (m, t)
        for m, t in imports_from(graph, "web")
        if part_of(t) == "api" and not t.startswith(allowed)
    }
    assert reaching == set()
    assert {(m, t) for m, t in imports_from(graph, "web") if part_of(t) == "app"} == set()


def test_the_jobs_import_neither_the_api_nor_the_pages_nor_the_commands(
    graph: dict[str, set[str]],
) -> None:
    leaving = imports_from(graph, "jobs")
    assert {t for _, t in leaving if part_of(t) in {"api", "web", "app", "commands"}} == set()


def test_the_services_import_nothing_above_them(graph: dict[str, set[str]]) -> None:
    leaving = imports_from(graph, "services")
    above = {"api", "web", "jobs", "app", "commands", "demo"}
    assert {(m, t) for m, t in leaving if part_of(t) in above} == set()


NO_SQL_MODULES = (
    "jobs.runner",
    "jobs.recovery",
    "jobs.worker",
    "api.routes.videos",
    "api.routes.analyses",
)
"""Callers of use cases: the job's lifecycle is ``services.jobs``, the analyses' and uploads'
``services.videos`` and ``services.uploads``."""


@pytest.mark.parametrize("name", NO_SQL_MODULES)
def test_the_job_runner_and_the_video_routes_write_no_sql_and_commit_nothing(name: str) -> None:
    path = CLINIC_DIR.joinpath(*name.split(".")).with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    from_sqlalchemy = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
        for alias in node.names
    }
    calls = {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert from_sqlalchemy <= {"Session"}, from_sqlalchemy  # a type for the session factory
    assert not calls & {"commit", "execute", "scalar", "scalars", "add", "flush"}
