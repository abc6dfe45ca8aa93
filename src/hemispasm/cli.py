"""Command line: argument parsing and exit codes only. The work happens in pipeline, synth and
clinic.commands."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from hemispasm import __version__
from hemispasm import errors as E

if TYPE_CHECKING:
    from hemispasm.clinic.settings import Settings

ProgressFn = Callable[[int, int], None]
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm"})

CLINIC_COMMANDS = frozenset(
    {"serve", "db", "user", "worker", "demo", "audit", "backup", "restore", "export", "import"}
)
EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2  # argparse's own code for bad arguments
EXIT_INTERNAL = 70  # an unexpected failure (a bug): EX_SOFTWARE from sysexits.h
EXIT_AUDIT_BROKEN = 15  # audit verify: a row of the audit log was edited, deleted or inserted
# One place maps each error class to its exit code; the most specific class wins (MRO order).
EXIT_CODES: dict[type[E.HemispasmError], int] = {
    E.VideoReadError: 3,
    E.UnsupportedCodecError: 4,
    E.VideoTooShortError: 5,
    E.NoFaceError: 6,
    E.MultipleFacesError: 7,
    E.OutputError: 8,
    E.InvalidParameterError: 9,
    E.HemispasmError: 10,
    E.ClinicalDataError: 11,
    E.ConflictError: 12,
    E.ConfigurationError: 13,
    E.BackupError: 14,
    E.ImportFileError: 16,
}


def exit_code_for(error: E.HemispasmError) -> int:
    """The documented exit code of an error: that of its most specific listed class."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return EXIT_CODES[E.HemispasmError]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``hemispasm`` command."""
    parser = argparse.ArgumentParser(
        prog="hemispasm",
        description="Objective measurement of hemifacial spasm from face videos.",
    )
    parser.add_argument("--version", action="version", version=f"hemispasm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    a = sub.add_parser("analyze", help="measure spasms and blinks in one or more face videos")
    a.add_argument("inputs", nargs="+", type=Path, help="video files or folders of videos")
    a.add_argument("--out", type=Path, default=Path("hemispasm-output"), help="output folder")
    a.add_argument(
        "--mirrored", action="store_true", help="the video was saved mirrored (front camera)"
    )
    a.add_argument("--annotate", action="store_true", help="also write an annotated video")
    a.add_argument("--workers", type=_positive_int, default=min(2, os.cpu_count() or 1))
    a.add_argument(
        "--no-cache", action="store_true", help="do not read or write the landmark cache"
    )
    a.add_argument("--cache-dir", type=Path, default=None, help="landmark cache folder")

    s = sub.add_parser("synth", help="make a synthetic spasm video with ground truth")
    s.add_argument("--out", type=Path, required=True, help="output folder")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--side", choices=("left", "right"), default="left")
    s.add_argument("--fps", type=float, default=30.0)
    s.add_argument("--size", type=_size, default=(640, 480), help="WxH, e.g. 640x480")
    s.add_argument("--duration", type=float, default=30.0, help="seconds")
    s.add_argument("--no-spasms", action="store_true", help="only normal blinks and head motion")
    s.add_argument("--codec", default="libx264")
    s.add_argument("--container", default="mp4")
    s.add_argument("--vfr", action="store_true", help="variable frame rate, like phone videos")
    s.add_argument(
        "--head-motion",
        type=float,
        default=1.0,
        help="head movement strength: 1 a patient keeping still, 3 a restless one",
    )
    s.add_argument(
        "--face",
        default=None,
        help="which face photo (astronaut, pexels-3063838); default: by seed",
    )
    s.add_argument(
        "--plain",
        action="store_true",
        help="no glasses, no light from one side, no talking, smiling or looking down",
    )
    e = sub.add_parser(
        "evaluate",
        help="score the analyzer against a folder of hand-labelled videos (*.labels.json)",
    )
    e.add_argument("labels", type=Path, help="folder of *.labels.json files")
    e.add_argument(
        "--videos",
        type=Path,
        action="append",
        default=[],
        help="another folder to look for the labelled videos in (repeatable)",
    )
    e.add_argument(
        "--keep-every",
        type=_positive_int,
        action="append",
        default=None,
        help="also score at a lower frame rate, keeping every N-th frame (repeatable; default 1)",
    )
    e.add_argument("--workers", type=_positive_int, default=min(2, os.cpu_count() or 1))
    e.add_argument(
        "--no-cache", action="store_true", help="do not read or write the landmark cache"
    )
    _add_clinic_commands(sub)
    return parser


def _add_clinic_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    data_help = "data folder holding the SQLite database (unless HEMISPASM_DATABASE_URL is set)"
    serve = sub.add_parser("serve", help="run the clinic records server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--data", type=Path, default=None, help=data_help)
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="server processes (default 1; more need PostgreSQL and a Redis job queue)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default=None,
        metavar="ADDRESSES",
        help="proxies whose X-Forwarded-For/-Proto headers are believed, e.g. 127.0.0.1 "
        "(default HEMISPASM_FORWARDED_ALLOW_IPS, else none)",
    )

    backup = sub.add_parser(
        "backup", help="write the database, uploaded videos and reports into one archive"
    )
    backup.add_argument("--data", type=Path, default=None, help=data_help)
    backup.add_argument("--out", type=Path, required=True, help="the archive to write (.tar)")

    restore = sub.add_parser("restore", help="restore an archive written by hemispasm backup")
    restore.add_argument("archive", type=Path)
    restore.add_argument("--data", type=Path, default=None, help=data_help)
    restore.add_argument(
        "--force",
        action="store_true",
        help="replace the database, uploads and reports of a data folder that holds some",
    )

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_sub.add_parser("upgrade", help="migrate the database to the newest schema")
    upgrade.add_argument("--data", type=Path, default=None, help=data_help)

    worker = sub.add_parser(
        "worker", help="run a worker that analyses uploaded videos (queue per HEMISPASM_JOBS_URL)"
    )
    worker.add_argument("--data", type=Path, default=None, help=data_help)

    user = sub.add_parser("user", help="user accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="add a user; the password is read from standard input")
    add.add_argument("--data", type=Path, default=None, help=data_help)
    add.add_argument("--clinic", required=True, help="clinic name (created if new)")
    add.add_argument("--role", required=True, choices=("admin", "clinician", "patient"))
    add.add_argument("--email", required=True)
    add.add_argument("--name", default="", help="name shown in the app")
    add.add_argument("--patient-mrn", default=None, help="record number, for a patient account")

    demo = sub.add_parser(
        "demo", help="create (or complete) a demo clinic of made-up patients to try the app with"
    )
    demo.add_argument("--data", type=Path, required=True, help=data_help)
    demo.add_argument("--patients", type=_positive_int, default=24, help="how many (default 24)")
    demo.add_argument("--seed", type=int, default=1, help="the made-up history follows from it")

    audit = sub.add_parser("audit", help="the audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser(
        "verify",
        help="check the audit log's hash chain: exit 0 when intact, "
        f"{EXIT_AUDIT_BROKEN} when a row was edited, deleted or inserted",
    )
    verify.add_argument("--data", type=Path, default=None, help=data_help)

    export = sub.add_parser("export", help="write the clinic's records in an exchange format")
    export_sub = export.add_subparsers(dest="export_command", required=True)
    export_fhir = export_sub.add_parser(
        "fhir",
        help="every patient's record as FHIR R4 Bulk Data NDJSON, one file per resource type",
    )
    export_fhir.add_argument("--data", type=Path, default=None, help=data_help)
    export_fhir.add_argument(
        "--out", type=Path, required=True, help="folder to write (new, or empty)"
    )

    imp = sub.add_parser("import", help="read records written in an exchange format")
    import_sub = imp.add_subparsers(dest="import_command", required=True)
    import_fhir = import_sub.add_parser(
        "fhir",
        help="read a folder written by hemispasm export fhir: all of it, or nothing "
        f"(exit {EXIT_CODES[E.ImportFileError]} naming the file, line and field)",
    )
    import_fhir.add_argument("folder", type=Path, help="folder of *.ndjson files")
    import_fhir.add_argument("--data", type=Path, default=None, help=data_help)

    clinic_help = "the clinic's name (needed only when the database holds several)"
    export_csv = export_sub.add_parser(
        "csv",
        help="patients, sessions with their sites, cycles and self-ratings as CSV files "
        "(docs/csv-import.md)",
    )
    export_csv.add_argument("--data", type=Path, default=None, help=data_help)
    export_csv.add_argument(
        "--out", type=Path, required=True, help="folder to write (new, or empty)"
    )
    export_csv.add_argument("--patient", type=_positive_int, default=None, help="one patient's id")
    export_csv.add_argument("--clinic", default=None, help=clinic_help)
    import_csv = import_sub.add_parser(
        "csv",
        help="read patients and their injection history from the CSV template "
        "(docs/csv-import.md): all of it, or nothing "
        f"(exit {EXIT_CODES[E.ImportFileError]} naming the file, line and column)",
    )
    import_csv.add_argument("path", type=Path, help="a folder of the template's files, or one file")
    import_csv.add_argument("--data", type=Path, default=None, help=data_help)
    import_csv.add_argument("--clinic", default=None, help=clinic_help + "; created if new")


def _clinic(args: argparse.Namespace, console: Console) -> int:
    from hemispasm.clinic import commands

    if args.command == "serve":
        settings = commands.settings_for(args.data, forwarded_allow_ips=args.forwarded_allow_ips)
        commands.serve(
            settings,
            host=args.host,
            port=args.port,
            workers=args.workers,
            note=lambda text: console.print(f"hemispasm: warning: {text}", markup=False),
        )
        return EXIT_OK
    settings = commands.settings_for(args.data)
    if args.command == "audit":
        chain = commands.verify_audit(settings)
        for line in chain.describe():
            console.print(line, markup=False, highlight=False, soft_wrap=True)
        return EXIT_OK if chain.intact else EXIT_AUDIT_BROKEN
    if args.command in ("backup", "restore"):
        from hemispasm.clinic import backup

        if args.command == "backup":
            summary = backup.back_up(settings, args.out, now=datetime.now(UTC))
            verb = "wrote"
        else:
            summary = backup.restore(settings, args.archive, force=args.force)
            verb = "restored"
        console.print(summary.describe(verb), markup=False, highlight=False, soft_wrap=True)
        return EXIT_OK
    if args.command in ("export", "import"):
        return _exchange(args, settings, console)
    if args.command == "worker":
        commands.run_worker(settings)
        return EXIT_OK
    if args.command == "demo":
        from hemispasm.clinic.demo.show import print_report

        report = commands.demo(
            settings,
            patients=args.patients,
            seed=args.seed,
            today=date.today(),
            note=lambda text: console.print(text, markup=False, highlight=False),
        )
        print_report(report, data_dir=args.data)
        return EXIT_OK
    if args.command == "db":
        before, after = commands.migrate(settings)
        console.print(f"database at revision {after} (was {before or 'empty'})", markup=False)
        return EXIT_OK
    message = commands.add_user(
        settings,
        clinic=args.clinic,
        role=args.role,
        email=args.email,
        password=commands.read_password(),
        display_name=args.name,
        patient_mrn=args.patient_mrn,
    )
    console.print(message, markup=False, highlight=False)
    return EXIT_OK


def _exchange(args: argparse.Namespace, settings: Settings, console: Console) -> int:
    """``hemispasm export ...`` and ``hemispasm import ...``."""
    kind = args.export_command if args.command == "export" else args.import_command
    if kind == "fhir":
        from hemispasm.clinic.services import fhir_exchange

        if args.command == "export":
            summary = fhir_exchange.export_folder(settings, args.out)
        else:
            summary = fhir_exchange.import_folder(settings, args.folder)
        console.print(str(summary), markup=False, highlight=False, soft_wrap=True)
        return EXIT_OK
    if kind == "csv":
        from hemispasm.clinic import csv_commands

        if args.command == "export":
            message = csv_commands.export_csv(
                settings, args.out, patient_id=args.patient, clinic=args.clinic, today=date.today()
            )
        else:
            message = csv_commands.import_csv(
                settings, args.path, clinic=args.clinic, today=date.today()
            )
        console.print(message, markup=False, highlight=False, soft_wrap=True)
        return EXIT_OK
    raise AssertionError(f"unhandled {args.command} format {kind!r}")  # argparse checks it


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hemispasm`` console script."""
    args = build_parser().parse_args(argv)
    _quiet_native_logging()
    console = Console(stderr=True)
    try:
        if args.command == "analyze":
            return _analyze(args, console)
        if args.command == "synth":
            return _synth(args, console)
        if args.command == "evaluate":
            return _evaluate(args, console)
        if args.command in CLINIC_COMMANDS:
            return _clinic(args, console)
    except E.HemispasmError as error:
        console.print(f"hemispasm: error: {error}", markup=False, highlight=False, soft_wrap=True)
        return exit_code_for(error)
    except KeyboardInterrupt:
        console.print("hemispasm: interrupted", markup=False)
        return 130
    except Exception as error:  # a bug, not bad input: one line, the traceback only on request
        if os.environ.get("HEMISPASM_DEBUG"):
            raise
        console.print(
            f"hemispasm: internal error: {type(error).__name__}: {error} "
            "(set HEMISPASM_DEBUG=1 to see where)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return EXIT_INTERNAL
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse guarantees a command


def _synth(args: argparse.Namespace, console: Console) -> int:
    from hemispasm.synth.generate import make_synthetic_video
    from hemispasm.synth.render import Look

    result = make_synthetic_video(
        args.out,
        seed=args.seed,
        side=args.side,
        fps=args.fps,
        size=args.size,
        duration_s=args.duration,
        spasms=not args.no_spasms,
        codec=args.codec,
        container=args.container,
        vfr=args.vfr,
        head_motion=args.head_motion,
        face=args.face,
        lively=0.0 if args.plain else None,
        look=Look() if args.plain else None,
    )
    print(result.video_path)
    console.print(f"ground truth: {result.truth_path}", markup=False, highlight=False)
    return EXIT_OK


def _evaluate(args: argparse.Namespace, console: Console) -> int:
    from hemispasm.labels.evaluate import evaluate_folder, markdown_table

    scores = evaluate_folder(
        args.labels,
        search=args.videos,
        keep_every=args.keep_every or [1],
        workers=args.workers,
        use_cache=not args.no_cache,
    )
    print(f"hemispasm {__version__} against {args.labels}\n")
    print(markdown_table(scores))
    console.print(
        "m/f/x: matched, false, missed (one-to-one, largest overlap first, intervals widened by "
        "0.1 s); excluded stretches count neither way",
        markup=False,
        highlight=False,
    )
    return EXIT_OK


@dataclass(frozen=True)
class _Outcome:
    video: Path
    out_dir: Path | None
    summary: dict[str, object] | None
    error: E.HemispasmError | None


def _analyze(args: argparse.Namespace, console: Console) -> int:
    # The report code (matplotlib) loads in the background while the landmark helpers work.
    report_import = threading.Thread(
        target=importlib.import_module, args=("hemispasm.report.outputs",), daemon=True
    )
    report_import.start()
    from hemispasm.pipeline import analyze_video
    from hemispasm.report.folder import check_out_dir

    videos = collect_videos(args.inputs)
    several = len(videos) > 1
    outcomes: list[_Outcome] = []
    for video in videos:
        out_dir = args.out / video.stem if several else args.out
        try:
            check_out_dir(out_dir, video_path=video)  # refuse a foreign --out before the work
            with _progress(console, f"analysing {video.name}") as progress:
                analysis = analyze_video(
                    video,
                    mirrored=args.mirrored,
                    workers=args.workers,
                    use_cache=not args.no_cache,
                    cache_dir=args.cache_dir,
                    progress=progress,
                )
                report_import.join()
                from hemispasm.report.outputs import write_outputs

                report_dir = write_outputs(
                    analysis, video_path=video, out_dir=out_dir, annotate=args.annotate
                )
        except Exception as error:
            if not several:
                raise
            if not isinstance(error, E.HemispasmError):
                error = E.HemispasmError(
                    f"{video}: internal error: {type(error).__name__}: {error}"
                )
            console.print(
                f"hemispasm: error: {error}", markup=False, highlight=False, soft_wrap=True
            )
            outcomes.append(_Outcome(video, None, None, error))
            continue
        m = analysis.metrics
        outcomes.append(
            _Outcome(
                video,
                report_dir,
                {
                    "side": m.affected_side or "-",
                    "spasms/min": f"{m.spasms_per_min:.1f}",
                    "blinks/min": f"{m.blinks_per_min:.1f}",
                    "% closed": f"{m.pct_time_affected_eye_half_closed:.1f}",
                    "JRS": str(analysis.grades.jankovic_total.value),
                    "SMC": str(analysis.grades.smc_grade.value),
                },
                None,
            )
        )
    _print_summary(outcomes, console)
    failed = [o for o in outcomes if o.error is not None]
    if not failed:
        return EXIT_OK
    return EXIT_SOME_FAILED


def collect_videos(inputs: Sequence[Path]) -> list[Path]:
    """Expand folders to the video files they hold (sorted); files are taken as given."""
    videos: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found = sorted(
                p
                for p in item.iterdir()
                if p.suffix.lower() in VIDEO_SUFFIXES and not p.name.startswith(".")
            )
            if not found:
                raise E.VideoReadError(f"{item}: folder holds no video files")
            videos.extend(found)
        else:
            videos.append(item)
    stems = [v.stem for v in videos]
    if len(set(stems)) != len(stems):
        raise E.InvalidParameterError(
            "inputs: two videos share a file name; their reports would overwrite each other"
        )
    return videos


def _print_summary(outcomes: list[_Outcome], console: Console) -> None:
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=240)  # a pipe or file: never truncate a path
    if len(outcomes) == 1 and outcomes[0].out_dir is not None:
        out.print(f"report: {outcomes[0].out_dir / 'report.html'}", markup=False, highlight=False)
    table = Table(title="hemispasm analyze (video estimates; a clinician makes the rating)")
    table.add_column("video")
    keys = ["side", "spasms/min", "blinks/min", "% closed", "JRS", "SMC"]
    for key in keys:
        table.add_column(key, justify="right")
    table.add_column("report or error")
    for o in outcomes:
        if o.summary is not None and o.out_dir is not None:
            row = [str(o.summary[k]) for k in keys]
            table.add_row(o.video.name, *row, str(o.out_dir / "report.html"))
        else:
            table.add_row(o.video.name, *["-"] * len(keys), f"failed: {o.error}")
    out.print(table)


@contextlib.contextmanager
def _progress(console: Console, label: str) -> Iterator[ProgressFn | None]:
    """A progress callback drawing a bar on a terminal, and a silent one elsewhere."""
    if not console.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _quiet_native_logging() -> None:
    """Silence the face model's native log lines, which would bury our one-line messages."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.getLogger("absl").setLevel(logging.ERROR)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, but got {value}")
    return value


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number up to 65535, but got {value}")
    return value


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 640x480, but got {text!r}") from None
    if w < 64 or h < 64 or w > 4096 or h > 4096:
        raise argparse.ArgumentTypeError(f"size must be 64x64 to 4096x4096, but got {text!r}")
    return w, h


if __name__ == "__main__":
    sys.exit(main())
