"""Speed and memory of `hemispasm analyze`, measured as a user runs it.

Speed: video seconds analysed per wall-clock second, for the whole command with a cold landmark
cache. Memory: peak resident set size of the command and all its worker processes together,
sampled every 50 ms, for videos of different lengths (it must not grow with length).

Usage::

    .venv/bin/python benchmarks/bench_analyze.py [--quick]

Prints a Markdown table to paste into the README. Synthetic videos are kept in benchmarks/_work/.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
HEMISPASM = [sys.executable, "-m", "hemispasm.cli"]
REPEATS = 3


def make_video(
    name: str, *, fps: float, size: str, duration_s: float, seed: int = 11, plain: bool = True
) -> Path:
    """Generate (once) a synthetic spasm video for the benchmark: by default the same face and
    look from run to run (the astronaut photo, no glasses, even light, no expressions), so that
    figures stay comparable; ``plain=False`` gives the realistic mix the seed draws."""
    out = WORK / name
    video = out / "synthetic.mp4"
    if not video.exists():
        cmd = [*HEMISPASM, "synth", "--out", str(out), "--seed", str(seed), "--fps", str(fps)]
        cmd += ["--size", size, "--duration", str(duration_s)]
        if plain:
            cmd += ["--face", "astronaut", "--plain"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return video


def run_measured(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak summed RSS of the process tree in MiB)."""
    start = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [proc, *proc.children(recursive=True)]
            rss = sum(p.memory_info().rss for p in procs if p.is_running())
        except psutil.Error:
            rss = 0
        peak = max(peak, rss)
        time.sleep(0.05)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"{cmd} failed with {proc.returncode}: {err}")
    return wall, peak / 2**20


def analyze(video: Path) -> tuple[float, float, float]:
    """Cold-cache analysis of ``video``: (video seconds, wall seconds, peak RSS MiB)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        cmd = [*HEMISPASM, "analyze", str(video), "--out", str(out)]
        cmd += ["--cache-dir", str(Path(tmp) / "cache")]
        wall, rss = run_measured(cmd)
        duration = json.loads((out / "result.json").read_text())["source"]["duration_s"]
    return float(duration), wall, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10-minute 720p video")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    cases = [
        ("30 fps 640x480, 60 s", make_video("vga60", fps=30, size="640x480", duration_s=60)),
        ("30 fps 640x480, 300 s", make_video("vga300", fps=30, size="640x480", duration_s=300)),
        ("30 fps 1280x720, 60 s", make_video("hd60", fps=30, size="1280x720", duration_s=60)),
        (
            "30 fps 640x480, 60 s, realistic (another face, light from one side, talking)",
            make_video("vga60-real", fps=30, size="640x480", duration_s=60, plain=False),
        ),
    ]
    if not args.quick:
        long_video = make_video("hd600", fps=30, size="1280x720", duration_s=600)
        cases.append(("30 fps 1280x720, 600 s", long_video))
    cpu = platform.processor() or platform.machine()
    print(
        f"Measured {date.today().isoformat()} on {psutil.cpu_count()} cores ({cpu}), "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}."
    )
    print()
    print("| video | wall s (median of 3) | x real time | peak RSS, all processes (MiB) |")
    print("| --- | ---: | ---: | ---: |")
    for label, video in cases:
        runs = [analyze(video) for _ in range(REPEATS)]
        duration = runs[0][0]
        wall = statistics.median(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        print(f"| {label} | {wall:.1f} | {duration / wall:.1f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
