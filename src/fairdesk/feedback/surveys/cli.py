"""``fairdesk survey send|stats``: send due surveys, and print the figures (or JSON)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from fairdesk.config import get_settings
from fairdesk.db import migrate
from fairdesk.db.base import utcnow
from fairdesk.db.session import get_engine, unit_of_work
from fairdesk.feedback.surveys import metrics, service
from fairdesk.feedback.surveys.models import SurveyKind
from fairdesk.feedback.surveys.stats import survey_stats

survey_app = typer.Typer(
    help="Surveys: send them, and see CSAT, CES and NPS.", no_args_is_help=True
)
console = Console()


def _since(value: str | None) -> datetime | None:
    """``2026-09-01`` (a date, UTC midnight) or ``90d`` (that many days back)."""
    if value is None:
        return None
    text = value.strip()
    if text.endswith("d") and text[:-1].isdigit():
        return utcnow() - timedelta(days=int(text[:-1]))
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        raise typer.BadParameter(
            "use a date (2026-09-01) or a number of days (90d)", param_hint="--since"
        ) from None


@survey_app.command("send")
def send(
    relationship: Annotated[
        bool, typer.Option("--relationship", help="Relationship NPS to the active customers due.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say who would get one; send and record nothing.")
    ] = False,
    days: Annotated[
        int,
        typer.Option(min=1, help="Ticket surveys: tickets solved in the last DAYS with none yet."),
    ] = 7,
) -> None:
    """Send due surveys through the outbox, following the fatigue and opt-out rules."""
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        if relationship:
            report = service.send_relationship(session, dry_run=dry_run)
        else:
            report = service.send_for_resolved(
                session, since=utcnow() - timedelta(days=days), dry_run=dry_run
            )
        if dry_run:
            session.rollback()
    what = "relationship NPS" if relationship else "ticket surveys"
    prefix = "dry run, nothing sent: " if dry_run else ""
    console.print(f"{what}: {prefix}{report.line()}", highlight=False)


def _pct(p: metrics.Proportion) -> str:
    if p.value is None or p.low is None or p.high is None:
        return "no data"
    return f"{p.value:.1f}% ({p.low:.1f}–{p.high:.1f}), n={p.n}"


@survey_app.command("stats")
def stats(
    since: Annotated[
        str | None, typer.Option(help="From this date (2026-09-01) or this many days back (90d).")
    ] = None,
    kind: Annotated[SurveyKind | None, typer.Option(help="ticket or relationship.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Sent, answered, response rate, CSAT, CES and NPS, with 95 % intervals."""
    start = _since(since)
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        figures = survey_stats(session, since=start, kind=kind)
    if as_json:
        typer.echo(json.dumps(figures.to_dict(), indent=2))
        return
    table = Table(title=f"Surveys since {start:%Y-%m-%d}" if start else "Surveys, all time")
    table.add_column("measure")
    table.add_column("value")
    table.add_row("sent / answered", f"{figures.sent} / {figures.answered}")
    table.add_row(
        "not sent", ", ".join(f"{n} {why}" for why, n in figures.skip_reasons.items()) or "0"
    )
    table.add_row("response rate", _pct(figures.response_rate))
    table.add_row("CSAT (% 4-5)", _pct(figures.csat))
    ces = figures.ces
    table.add_row(
        "CES mean (1-7)",
        "no data"
        if ces.mean is None or ces.low is None or ces.high is None
        else f"{ces.mean:.2f} ({ces.low:.2f}–{ces.high:.2f}), n={ces.n}",
    )
    table.add_row("CES easy (% 5-7)", _pct(ces.easy))
    nps = figures.nps
    table.add_row(
        "NPS",
        "no data"
        if nps.value is None or nps.low is None or nps.high is None
        else f"{nps.value:+.0f} ({nps.low:+.0f} to {nps.high:+.0f}), n={nps.n}",
    )
    table.add_row(
        "follow-ups", f"{figures.follow_ups_open} open, {figures.follow_ups_overdue} overdue"
    )
    console.print(table)
