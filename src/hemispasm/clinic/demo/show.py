"""The terminal summary of ``hemispasm demo``: what it did, the logins, how to serve it."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from hemispasm.clinic.demo.seed import DemoReport
from hemispasm.clinic.domain.schedule import DueStatus


def print_report(report: DemoReport, *, data_dir: Path, console: Console | None = None) -> None:
    """Print the run's summary, the logins and the command that serves the demo (to standard
    output, wide enough for a password never to wrap when it goes to a file or a pipe)."""
    if console is None:
        console = Console(highlight=False)
        if not console.is_terminal:
            console = Console(highlight=False, width=160)
    say = console.print
    if report.changed:
        made = "created" if report.clinic_created else "completed"
        say(f"[bold]{report.clinic}[/bold] {made}: {_added(report)}.")
    else:
        say(
            f"[bold]{report.clinic}[/bold] is already complete ({report.patients_planned} demo "
            "patients): nothing to do, nothing changed."
        )
    for line in report.notes:
        say(f"note: {line}", markup=False, highlight=False)
    due = report.due_counts
    say(
        f"Worklist today: {due.get(DueStatus.OVERDUE, 0)} overdue, "
        f"{due.get(DueStatus.DUE_SOON, 0)} due soon, {due.get(DueStatus.NOT_DUE, 0)} not yet due."
    )
    if report.videos:
        table = Table(title="Sample videos (measures are estimates that support a clinician)")
        for column in ("video", "", "spasms/min", "% closed", "JRS est.", "this run"):
            table.add_column(column)
        for v in report.videos:
            m = v.result["metrics"]
            table.add_row(
                v.video.key,
                v.video.title,
                f"{m['spasms_per_min']:.1f}",
                f"{m['pct_time_affected_eye_half_closed']:.1f}",
                str(v.result["grades"]["jankovic_total"]["value"]),
                f"made in {v.seconds:.0f} s" if v.made else "from the cache",
            )
        say(table)
    logins = Table(title="Logins (made-up clinic: for trying the app on this machine only)")
    for column in ("role", "e-mail", "password", ""):
        logins.add_column(column)
    for login in report.logins:
        logins.add_row(
            login.role.value,
            login.email,
            login.password or "-",
            login.problem or ("new" if login.created else ""),
        )
    say(logins)
    say(f"The passwords are also in {report.logins_file} (readable by you only).", markup=False)
    seconds = f"{report.seconds:.1f} s"
    if report.video_seconds:
        seconds += f", of which {report.video_seconds:.1f} s making and measuring videos"
    say(f"Took {seconds}.", highlight=False)
    say("Serve it, then open http://127.0.0.1:8000/login :", highlight=False)
    say(f"  hemispasm serve --data {data_dir}", markup=False, highlight=False)


def _added(report: DemoReport) -> str:
    counts = report.records_added
    parts = [f"{n} {label}" for label, n in counts.items() if n and label != "patients"]
    head = f"{report.patients_added} of {report.patients_planned} demo patients added"
    return head + (f" ({', '.join(parts)})" if parts else "")
