"""``fairdesk fairness scan``: compute every customer's signals and list the cases they call for.

A dry run by default, so a business can run it on an import and see what would be opened
before anything is stored; ``--open`` stores the signals and opens the cases (audited).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from fairdesk.config import get_settings
from fairdesk.db import migrate
from fairdesk.db.session import get_engine, unit_of_work
from fairdesk.fairness import cases
from fairdesk.fairness.signals.compute import thresholds_for

fairness_app = typer.Typer(help="Fairness review: signals and cases.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _as_json(result: cases.ScanResult, opened: bool) -> dict[str, Any]:
    return {
        "customers": result.customers,
        "signals": result.signals,
        "opened": opened,
        "cases": [
            {
                "customer_id": c.customer_id,
                "score": c.score,
                "kinds": c.kinds,
                "summary": c.summary,
                "signals": [
                    {
                        "kind": str(f.signal.kind),
                        "strength": f.signal.strength,
                        "reason": f.signal.reason,
                        "evidence": f.evidence,
                    }
                    for f in c.signals
                ],
            }
            for c in result.candidates
        ],
    }


def _table(result: cases.ScanResult, opened: bool) -> Table:
    verb = "opened" if opened else "would open"
    table = Table(title=f"{len(result.candidates)} fairness cases {verb}")
    table.add_column("customer", justify="right")
    table.add_column("score", justify="right")
    table.add_column("signals")
    table.add_column("why")
    for c in result.candidates:
        table.add_row(str(c.customer_id), f"{c.score:.2f}", ", ".join(c.kinds), c.summary)
    return table


@fairness_app.command("scan")
def scan(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    open_them: Annotated[
        bool, typer.Option("--open", help="Store the signals and open the cases.")
    ] = False,
) -> None:
    """Compute signals for all customers and print the cases they would open (a dry run)."""
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json or not err.is_terminal,
    ) as progress:
        task = progress.add_task("scanning", total=None)

        def say(message: str) -> None:
            progress.update(task, description=message)

        if open_them:
            with unit_of_work(engine) as session:
                result = cases.scan(
                    session,
                    thresholds=thresholds_for(session, get_settings()),
                    open_them=True,
                    say=say,
                )
        else:
            with Session(engine) as session:
                try:
                    result = cases.scan(
                        session, thresholds=thresholds_for(session, get_settings()), say=say
                    )
                finally:
                    session.rollback()  # a dry run leaves no trace
    if as_json:
        typer.echo(json.dumps(_as_json(result, open_them), indent=2))
        return
    console.print(f"{result.customers:,} customers, {result.signals:,} signals.", highlight=False)
    console.print(_table(result, open_them))
