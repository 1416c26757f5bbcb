"""``fairdesk triage …``: retrain the topic model on the business's own resolved tickets."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from fairdesk.config import get_settings
from fairdesk.db import migrate
from fairdesk.db.session import get_engine, unit_of_work
from fairdesk.errors import FairdeskError

triage_app = typer.Typer(help="Message triage models.", no_args_is_help=True)
console = Console()


@triage_app.command("train")
def train(
    min_examples: Annotated[
        int, typer.Option(min=2, help="Leave out categories with fewer resolved tickets.")
    ] = 5,
) -> None:
    """Retrain the topic model on resolved tickets' categories; kept in the data dir."""
    from fairdesk.triage import service as triage_service

    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    try:
        with console.status("training the topic model…"), unit_of_work(engine) as session:
            outcome = triage_service.train_topic_model(session, min_examples=min_examples)
    except FairdeskError as exc:
        console.print(f"[red]error ({exc.field}):[/red] {exc.message}")
        raise typer.Exit(code=2) from exc
    total = sum(outcome.examples.values())
    console.print(f"topic model [bold]{outcome.version}[/bold] written to {outcome.path}")
    console.print(
        f"{total} tickets in {len(outcome.examples)} categories; "
        f"accuracy on a held-back fifth: {outcome.holdout_accuracy:.0%}",
        highlight=False,
    )
    for category, count in sorted(outcome.examples.items()):
        console.print(f"  {category}: {count}", highlight=False)
    if outcome.skipped:
        console.print(f"left out (fewer than {min_examples}): {outcome.skipped}", highlight=False)
