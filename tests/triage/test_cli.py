"""``fairdesk triage train`` on a fresh SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairdesk.auth import service as auth_service
from fairdesk.auth.models import Role
from fairdesk.cli import app
from fairdesk.config import get_settings
from fairdesk.db import migrate
from fairdesk.db.session import get_engine, unit_of_work
from fairdesk.triage import service as triage_service
from tests.triage.helpers import resolved

runner = CliRunner()


@pytest.fixture()
def fresh_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FAIRDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAIRDESK_SECRET_KEY", "cli-test-secret")
    monkeypatch.delenv("FAIRDESK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_train_needs_resolved_tickets(fresh_env: Path) -> None:
    result = runner.invoke(app, ["triage", "train"])
    assert result.exit_code == 2
    assert "two categories" in result.output
    assert not (fresh_env / "triage" / "topic_model.json").exists()


def test_train_writes_a_versioned_model_the_service_then_uses(fresh_env: Path) -> None:
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        agent = auth_service.create_user(
            session, email="a@example.com", name="A", password="a-long-password", role=Role.AGENT
        )
        for i in range(6):
            resolved(session, agent, f"Beans stale, roast {i}", answer="ok", category="beans")
            resolved(session, agent, f"Invoice {i}: wrong VAT", answer="ok", category="vat")
    result = runner.invoke(app, ["triage", "train", "--min-examples", "5"])
    assert result.exit_code == 0, result.output
    path = fresh_env / "triage" / "topic_model.json"
    assert path.exists() and "local-" in result.output and "beans: 6" in result.output
    assert triage_service.active_triager().topic_model.version.startswith("local-")
    assert triage_service.active_triager().topic_model.predict_one("wrong VAT").topic == "vat"
