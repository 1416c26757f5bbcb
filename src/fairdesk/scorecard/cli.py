"""``fairdesk scorecard [--since …] [--until …] [--by …] [--json]`` and ``… rebuild``.

The group itself prints the scorecard (so ``fairdesk scorecard --since 2026-01-01 --json``
works); ``rebuild`` refills the rollups it reads.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fairdesk.config import get_settings
from fairdesk.db import migrate
from fairdesk.db.base import utcnow
from fairdesk.db.session import get_engine, unit_of_work
from fairdesk.errors import FairdeskError
from fairdesk.scorecard import export, rollup
from fairdesk.scorecard.query import parse
from fairdesk.scorecard.service import Scorecard, scorecard

scorecard_app = typer.Typer(
    help="Customer-focus scorecard (prints it; `rebuild` refreshes it).",
    invoke_without_command=True,
)
console = Console()
err = Console(stderr=True)


def _fail(exc: FairdeskError) -> typer.Exit:
    field = f" ({exc.field})" if exc.field else ""
    err.print(f"[red]error{field}:[/red] {exc.message}")
    return typer.Exit(code=2)


def _show(sc: Scorecard) -> None:
    if sc.empty:
        console.print(f"{sc.query.since} – {sc.query.until}: no data")
        return
    values = export.figure_values(sc.overall)
    table = Table(title=f"scorecard {sc.query.since} – {sc.query.until}")
    table.add_column("measure")
    table.add_column("whole period", justify="right")
    for name, key in export.FIGURE_COLUMNS:
        table.add_row(name, export.safe(values[key]))
    console.print(table)
    for p in sc.pain_points[:5]:
        console.print(
            f"pain point: {p.kind} {p.what!r} in {p.dimension} {p.value}: "
            f"{p.observed} vs {p.expected:.1f} expected"
        )


@scorecard_app.callback()
def show(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD; default today.")] = None,
    by: Annotated[str, typer.Option(help="segment, persona, agent, channel or stage.")] = "segment",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the scorecard for whole weeks from SINCE to UNTIL, broken down BY a dimension."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        query = parse(since=since, until=until, by=by, today=utcnow().date())
        engine = get_engine(get_settings().resolved_database_url)
        migrate.upgrade(engine)
        with unit_of_work(engine) as session:
            sc = scorecard(session, query)
            if as_json:
                typer.echo(json.dumps(export.to_out(sc).model_dump(mode="json"), indent=2))
            else:
                _show(sc)
    except FairdeskError as exc:
        raise _fail(exc) from exc


@scorecard_app.command("rebuild")
def rebuild(
    since: Annotated[
        str | None, typer.Option(help="Recompute from this week on (default: everything).")
    ] = None,
) -> None:
    """Recompute the rollup tables inside the database, then ANALYZE them."""
    try:
        start = date.fromisoformat(since) if since else None
    except ValueError as exc:
        err.print(f"[red]error (since):[/red] {since!r} is not a date like 2026-01-31")
        raise typer.Exit(code=2) from exc
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with console.status("rebuilding the scorecard…"), unit_of_work(engine) as session:
        result = rollup.rebuild(session, since=start)
    console.print(f"[green]✓[/green] scorecard: {result}")
