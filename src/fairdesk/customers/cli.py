"""`fairdesk import` and `fairdesk export`: CSV in and out, with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from fairdesk.config import get_settings
from fairdesk.customers import exporter
from fairdesk.customers.importer import (
    ImportMode,
    ImportProgress,
    ImportReport,
    SourceFormat,
    import_customers,
    import_orders,
)
from fairdesk.db import migrate
from fairdesk.db.session import get_engine, unit_of_work

import_app = typer.Typer(
    help="Import customers or orders from CSV (all-or-nothing by default).", no_args_is_help=True
)
export_app = typer.Typer(help="Export customers or orders as CSV.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)

CsvFile = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The CSV file.")
]
SkipInvalid = Annotated[
    bool,
    typer.Option(
        "--skip-invalid", help="Import the good rows and write the rejected ones to --rejects."
    ),
]
Rejects = Annotated[
    Path | None,
    typer.Option(help="Where --skip-invalid writes rejected rows (default: FILE.rejects.csv)."),
]


def _run(
    kind: str,
    path: Path,
    skip_invalid: bool,
    rejects: Path | None,
    source_format: SourceFormat | None = None,
) -> None:
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    mode = ImportMode.SKIP_INVALID if skip_invalid else ImportMode.ALL_OR_NOTHING
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
    )
    tasks: dict[str, TaskID] = {}
    with Progress(*columns, console=console, transient=True) as bar:

        def progress(step: ImportProgress) -> None:
            if step.phase not in tasks:
                tasks[step.phase] = bar.add_task(str(step.phase), total=step.total or None)
            bar.update(tasks[step.phase], completed=step.done, total=step.total or None)

        # One unit of work: records and the audit entry commit together, or not at all.
        with unit_of_work(engine) as session:
            if kind == "customers":
                report = import_customers(session, path, mode=mode, progress=progress)
            else:
                report = import_orders(
                    session, path, mode=mode, progress=progress, source_format=source_format
                )
    _print(report, path, rejects)


def _print(report: ImportReport, path: Path, rejects: Path | None) -> None:
    for note in report.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    counts = (
        f"{report.rows_read:,} rows read · {report.inserted:,} inserted · "
        f"{report.updated:,} updated · {report.unchanged:,} unchanged · "
        f"{report.skipped:,} skipped"
    )
    if report.customers_created:
        counts += f" · {report.customers_created:,} customers created"
    for problem in report.errors:
        err.print(f"[red]✗[/red] {problem}", highlight=False)
    if report.error_count > len(report.errors):
        err.print(f"… and {report.error_count - len(report.errors):,} more problems")
    if report.mode is ImportMode.SKIP_INVALID and report.skipped:
        target = rejects or path.with_suffix(".rejects.csv")
        written = report.write_rejects(target)
        console.print(f"{written:,} rejected rows written to {target}")
    if not report.applied and report.error_count:
        err.print(f"[red]nothing imported[/red] ({report.error_count:,} problems): {counts}")
        raise typer.Exit(code=2)
    console.print(f"[green]✓[/green] {report.kind} ({report.source_format}): {counts}")


@import_app.command("customers")
def import_customers_cmd(
    file: CsvFile, skip_invalid: SkipInvalid = False, rejects: Rejects = None
) -> None:
    """Import customers by external_id (re-importing the same file changes nothing)."""
    _run("customers", file, skip_invalid, rejects)


@import_app.command("orders")
def import_orders_cmd(
    file: CsvFile,
    skip_invalid: SkipInvalid = False,
    rejects: Rejects = None,
    source_format: Annotated[
        SourceFormat | None,
        typer.Option("--format", help="fairdesk or shopify (default: read from the header)."),
    ] = None,
) -> None:
    """Import orders: fairdesk's format, or Shopify's standard orders export."""
    _run("orders", file, skip_invalid, rejects, source_format)


@export_app.command("customers")
def export_customers_cmd(file: Annotated[Path, typer.Argument(dir_okay=False)]) -> None:
    """Write every customer in the import format."""
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        n = exporter.export_customers(session, file)
    console.print(f"{n:,} customers written to {file}")


@export_app.command("orders")
def export_orders_cmd(file: Annotated[Path, typer.Argument(dir_okay=False)]) -> None:
    """Write every order in the import format."""
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        n = exporter.export_orders(session, file)
    console.print(f"{n:,} orders written to {file}")
