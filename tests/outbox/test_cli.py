"""`fairdesk outbox run --once` sends what is due on a fresh SQLite file (log backend)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from fairdesk.cli import app
from fairdesk.config import get_settings
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.outbox.models import OutboxItem, OutboxStatus
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FAIRDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAIRDESK_MAIL_BACKEND", "log")
    monkeypatch.delenv("FAIRDESK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_outbox_run_once_sends_the_acknowledgement(data_dir: Path) -> None:
    engine = build_engine(f"sqlite:///{data_dir / 'fairdesk.db'}")
    upgrade(engine)
    with unit_of_work(engine) as session:
        receive(
            session,
            Incoming(channel=IntakeChannel.WEB, email="cli@example.com", subject="s", body="b"),
        )
    result = CliRunner().invoke(app, ["outbox", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    with unit_of_work(engine) as session:
        statuses = session.scalars(select(OutboxItem.status)).all()
    engine.dispose()
    assert statuses == [OutboxStatus.SENT]
