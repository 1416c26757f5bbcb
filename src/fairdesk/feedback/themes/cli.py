"""``fairdesk themes build|list``: group what customers wrote into themes, offline."""

from __future__ import annotations

from typing import Annotated, Literal, cast

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from fairdesk.config import get_settings
from fairdesk.db import migrate
from fairdesk.db.base import utcnow
from fairdesk.db.session import get_engine, unit_of_work
from fairdesk.errors import FairdeskError
from fairdesk.feedback.themes import build as themes_build
from fairdesk.feedback.themes import service as theme_service

themes_app = typer.Typer(
    help="Themes of survey comments and ticket messages.", no_args_is_help=True
)
console = Console(stderr=True)


@themes_app.command("build")
def build(
    backend: Annotated[
        str,
        typer.Option(
            help="auto (embeddings when the triage extra is installed), tfidf or embeddings"
        ),
    ] = "auto",
) -> None:
    """Rebuild every theme; managers' names, merges and splits are kept."""
    if backend not in ("auto", "tfidf", "embeddings"):
        console.print("[red]--backend must be auto, tfidf or embeddings[/red]")
        raise typer.Exit(code=2)
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    try:
        with (
            Progress(*columns, console=console, transient=True) as bar,
            unit_of_work(engine) as session,
        ):
            task = bar.add_task("themes", total=None)
            report = themes_build.build(
                session,
                now=utcnow(),
                backend=cast(Literal["auto", "tfidf", "embeddings"], backend),
                say=lambda message: bar.update(task, description=message),
            )
    except FairdeskError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(code=1) from exc
    console.print(
        f"[green]✓[/green] {report.n_themed:,} of {report.n_texts:,} texts in "
        f"{report.themes} themes ({report.new} new, k={report.k}, {report.backend})"
    )


@themes_app.command("list")
def list_themes() -> None:
    """Print the active themes, largest first: id, texts, name, top terms (tab-separated)."""
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        for theme in theme_service.list_themes(session):
            typer.echo(f"{theme.id}\t{theme.size}\t{theme.name}\t{', '.join(theme.top_terms)}")
