"""``fairdesk fairness scan [--json] [--open]`` on a fresh SQLite data directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from fairdesk.cli import app
from fairdesk.config import get_settings
from fairdesk.db import migrate
from fairdesk.db.session import get_engine, unit_of_work
from fairdesk.fairness.models import FairnessCase, FairnessSignal
from tests.factories import make_customer
from tests.fairness.signal_helpers import claim, delivered_order

runner = CliRunner()


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FAIRDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAIRDESK_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("FAIRDESK_FAIRNESS_MIN_PEERS", "2")
    monkeypatch.delenv("FAIRDESK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _seed() -> int:
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    with unit_of_work(engine) as session:
        for _ in range(4):
            ok = make_customer(session)
            delivered_order(session, ok)
        bad = make_customer(session)
        for day in (0, 30, 60):
            claim(session, bad, delivered_order(session, bad, day=day), category="delivery")
        return bad.id


def _count(model: type) -> int:
    engine = get_engine(get_settings().resolved_database_url)
    with unit_of_work(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_scan_is_a_dry_run_and_open_opens(data_dir: Path) -> None:
    bad = _seed()
    dry = runner.invoke(app, ["fairness", "scan", "--json"])
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.stdout)
    assert report["opened"] is False and report["customers"] == 5
    assert [c["customer_id"] for c in report["cases"]] == [bad]
    assert "claim_after_delivery" in report["cases"][0]["kinds"]
    assert len(report["cases"][0]["signals"][0]["evidence"]["tickets"]) == 3
    assert (_count(FairnessSignal), _count(FairnessCase)) == (0, 0)
    table = runner.invoke(app, ["fairness", "scan"])
    assert table.exit_code == 0 and "would open" in table.stdout
    opened = runner.invoke(app, ["fairness", "scan", "--open"])
    assert opened.exit_code == 0 and "1 fairness cases opened" in opened.stdout
    assert _count(FairnessCase) == 1 and _count(FairnessSignal) >= 2
    again = json.loads(runner.invoke(app, ["fairness", "scan", "--json"]).stdout)
    assert again["cases"] == []  # one open case per customer


def test_scan_of_an_empty_database(data_dir: Path) -> None:
    result = runner.invoke(app, ["fairness", "scan", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"customers": 0, "signals": 0, "opened": False, "cases": []}
