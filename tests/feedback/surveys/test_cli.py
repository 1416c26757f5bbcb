"""``fairdesk survey send|stats`` on a fresh SQLite data directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from fairdesk.cli import app
from fairdesk.config import get_settings
from fairdesk.customers.models import LifecycleStatus
from fairdesk.db import migrate
from fairdesk.db.session import get_engine, unit_of_work
from fairdesk.feedback.surveys import answers
from fairdesk.feedback.surveys.models import InvitationStatus, SurveyInvitation
from tests.factories import make_customer
from tests.feedback.surveys.helpers import solve_ticket

runner = CliRunner()


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FAIRDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAIRDESK_SECRET_KEY", "cli-test-secret")
    monkeypatch.delenv("FAIRDESK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _queued() -> int:
    engine = get_engine(get_settings().resolved_database_url)
    with unit_of_work(engine) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(SurveyInvitation)
                .where(SurveyInvitation.status == InvitationStatus.QUEUED)
            )
            or 0
        )


def test_send_and_stats(data_dir: Path) -> None:
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        for _ in range(3):
            make_customer(session, lifecycle_status=LifecycleStatus.ACTIVE)
        _, invitation = solve_ticket(session)
        assert invitation is not None
        answers.submit(session, invitation=invitation, data={"csat": "4", "ces": "6"})

    dry = runner.invoke(app, ["survey", "send", "--relationship", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run, nothing sent: 3 queued" in dry.output
    assert _queued() == 0
    sent = runner.invoke(app, ["survey", "send", "--relationship"])
    assert sent.exit_code == 0 and "3 queued" in sent.output
    assert _queued() == 3
    tickets = runner.invoke(app, ["survey", "send"])
    assert tickets.exit_code == 0 and "ticket surveys: 0 queued" in tickets.output

    out = runner.invoke(app, ["survey", "stats", "--since", "30d", "--json"])
    assert out.exit_code == 0, out.output
    figures = json.loads(out.stdout)
    assert figures["sent"] == 4 and figures["answered"] == 1
    assert figures["csat"]["value"] == 100.0 and figures["ces"]["mean"] == 6.0
    assert figures["nps"]["value"] is None
    table = runner.invoke(app, ["survey", "stats", "--kind", "relationship"])
    assert table.exit_code == 0 and "no data" in table.output
    bad = runner.invoke(app, ["survey", "stats", "--since", "last week"])
    assert bad.exit_code == 2 and "--since" in bad.output


def test_the_jobs_loop_sends_relationship_surveys(data_dir: Path) -> None:
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        make_customer(session, lifecycle_status=LifecycleStatus.ACTIVE)
    out = runner.invoke(app, ["jobs", "run", "--once"])
    assert out.exit_code == 0, out.output
    assert "relationship surveys: 1 queued" in out.output
    assert _queued() == 1
