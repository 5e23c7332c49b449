"""``lastmile import residents FILE``: the import run on a terminal, with a rich progress bar."""

from __future__ import annotations

import getpass
import sys

from core.ledgers.importer import ImportOptions, ImportResult, import_residents


async def run_cli_import(args, host) -> ImportResult:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from core import models as m
    from core.auth import viewer_for_user
    from core.ledgers.report import ReportWriter
    from core.permissions import Viewer

    console = Console(stderr=True)
    if args.user:
        user = await m.User.get_or_none(username=args.user)
        if user is None or not user.is_active:
            sys.exit(f"lastmile: no active account {args.user!r}")
        viewer = await viewer_for_user(user, host.registry)
    else:
        # The operator of the server's command line holds the database itself: a superuser,
        # audited with no account (the audit row's detail names the operating-system user).
        viewer = Viewer(is_superuser=True, registry=host.registry)
    report = ReportWriter(args.report) if args.report else None
    options = ImportOptions(
        dry_run=args.dry_run, create_areas=args.create_areas, skip_invalid=args.skip_invalid
    )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(
                    {"check": "checking rows", "write": "writing rows"}[phase], total=total
                )
            bar.update(tasks[phase], completed=done)

        with open(args.file, "rb") as stream:
            result = await import_residents(
                stream,
                args.file,
                viewer,
                options,
                progress=progress,
                on_problem=report.add if report else None,
                request_id=f"cli:{getpass.getuser()}",
            )
    if report is not None:
        report.close(result.summary())
    _summary(console, result, args)
    return result


def _summary(console, r: ImportResult, args) -> None:
    from rich.table import Table

    table = Table(
        title=f"import {'(dry run) ' if args.dry_run else ''}{r.filename}: {r.status}", show_header=False
    )
    for label, value in (
        ("rows read", r.rows_read),
        ("created", r.created),
        ("updated", r.updated),
        ("unchanged", r.unchanged),
        ("rejected", r.rejected),
        ("duplicate rows skipped", r.duplicates),
        ("areas created", r.areas_created),
        ("units created", r.units_created),
        ("written", "yes" if r.committed else "no"),
        ("seconds", f"{r.seconds:.1f}"),
        ("file SHA-256", r.sha256),
    ):
        table.add_row(label, str(value))
    console.print(table)
    for p in r.problems[:20]:
        console.print(f"  row {p.row} {p.column or '-'}: {p.code}: {p.message}")
    if r.rejected > 20:
        console.print(
            f"  ... {r.rejected - 20} more rejected rows"
            + (f" (see {args.report})" if args.report else " (use --report FILE.xlsx for all of them)")
        )
    if r.message:
        console.print(r.message)
