"""The wheel is self-contained: built from a clean copy of the tree, installed into a fresh
environment without a network, ``hemispasm serve`` runs from it and every static asset its pages
name answers 200."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.clinic.test_commands import _free_port

ROOT = Path(__file__).resolve().parents[1]
VENDOR = Path("src/hemispasm/clinic/web/static/vendor")
STATIC_REFERENCE = re.compile(r"""/static/[^"'\s)?#]+""")


def _tracked_files() -> list[Path]:
    """The files git tracks (as they are in the working tree), relative to the root."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [Path(name) for name in listed.split("\0") if name and (ROOT / name).is_file()]


def test_the_committed_chart_library_is_the_one_npm_installs() -> None:
    installed = ROOT / "node_modules/chart.js/dist/chart.umd.min.js"
    committed = ROOT / VENDOR / "chart.umd.min.js"
    assert VENDOR / "chart.umd.min.js" in _tracked_files()  # a clone has it without npm
    if not installed.exists():
        pytest.skip("node_modules not installed (make install runs npm ci)")
    assert committed.read_bytes() == installed.read_bytes(), (
        "package-lock.json names another Chart.js than the committed copy: run make install "
        f"and commit {VENDOR}"
    )


def _run(
    command: list[str | Path], *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd, env=env)
    assert done.returncode == 0, f"{command}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return str(done.stdout)


def _build_wheel(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for relative in _tracked_files():
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, tree / relative)
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, tree])
    (wheel,) = dist.glob("hemispasm-*.whl")
    return wheel


def _fresh_environment(tmp_path: Path, wheel: Path) -> Path:
    """A new virtual environment holding the wheel; the third-party packages are this test
    environment's, reached through a .pth file (a path line: the editable install of the source
    tree, a .pth of its own there, is not read)."""
    env = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", env])
    python = env / "bin" / "python"
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    Path(site.strip(), "test_dependencies_of_the_wheel.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n"
    )
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--no-deps",
            "--no-index",
            wheel,
        ]
    )
    return env


@pytest.mark.slow
def test_a_wheel_built_from_a_clean_tree_serves_every_static_asset(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        packed = set(archive.namelist())
    shipped = {
        path.relative_to("src").as_posix()
        for path in _tracked_files()
        if path.parts[0] == "src" and "__pycache__" not in path.parts
    }
    assert sorted(shipped - packed) == []
    assert "hemispasm/clinic/web/static/vendor/chart.umd.min.js" in packed

    env = _fresh_environment(tmp_path, wheel)
    clean = {"PATH": f"{env / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    where = _run(
        [env / "bin" / "python", "-c", "import hemispasm; print(hemispasm.__file__)"],
        cwd=tmp_path,
        env=clean,
    )
    assert Path(where.strip()).is_relative_to(env), where  # the wheel's copy, not the source's
    package = Path(where.strip()).parent

    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [env / "bin" / "hemispasm", "serve", "--data", tmp_path / "data", "--port", str(port)],
        cwd=tmp_path,
        env=clean | {"HEMISPASM_ARGON2_TIME_COST": "1", "HEMISPASM_ARGON2_MEMORY_KIB": "8"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        pages = {path: _get(base + path, server, tmp_path) for path in ("/login", "/education")}
        referenced = {ref for page in pages.values() for ref in STATIC_REFERENCE.findall(page)}
        for template in (package / "clinic/web/templates").glob("*.html"):
            referenced |= set(STATIC_REFERENCE.findall(template.read_text()))
        assert "/static/vendor/chart.umd.min.js" in referenced and len(referenced) >= 10
        # the Spanish catalog and education text came with the wheel and are read from it
        spanish = urllib.request.Request(base + "/education", headers={"Accept-Language": "es"})
        with urllib.request.urlopen(spanish, timeout=10) as answer:
            page = answer.read().decode()
        assert '<html lang="es">' in page and "Espasmo hemifacial" in page and "Idioma" in page
        for ref in sorted(referenced):
            with urllib.request.urlopen(base + ref, timeout=10) as answer:
                assert answer.status == 200, ref
                body = answer.read()
            source = ROOT / "src/hemispasm/clinic/web" / ref.removeprefix("/")
            assert body == source.read_bytes(), ref
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _get(url: str, server: subprocess.Popen[bytes], tmp_path: Path) -> str:
    """The page at ``url``, waiting for the server to start."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                return str(answer.read().decode())
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise AssertionError((tmp_path / "serve.log").read_text()) from None
            time.sleep(0.3)
