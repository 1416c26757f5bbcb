"""``fairdesk goodwill policy …``: export the policy in force, import a new version from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fairdesk.config import get_settings
from fairdesk.db import migrate
from fairdesk.db.session import get_engine, unit_of_work
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.policy import PolicyError

goodwill_app = typer.Typer(help="Goodwill policy.", no_args_is_help=True)
console = Console(stderr=True)


@goodwill_app.command("export")
def export(
    version: Annotated[int | None, typer.Option(help="A past version; default: in force.")] = None,
) -> None:
    """Print the policy YAML (the version in force unless --version is given)."""
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        row = (goodwill_service.get_version(session, version) if version
               else goodwill_service.current_version(session))
        typer.echo(row.source, nl=False)


@goodwill_app.command("import")
def import_policy(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    note: Annotated[str, typer.Option(help="What changed.")] = "",
) -> None:
    """Save the file as a new version; on errors print each line and field, change nothing."""
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    try:
        with unit_of_work(engine) as session:
            row = goodwill_service.save_policy(
                session, source=path.read_text("utf-8"), actor=None, note=note
            )
    except PolicyError as exc:
        for problem in exc.details:
            typer.echo(f"{path}:{problem['line']}: {problem['field']}: {problem['message']}",
                       err=True)
        raise typer.Exit(code=2) from exc
    console.print(f"saved as version [bold]{row.number}[/bold]; it is now in force")
