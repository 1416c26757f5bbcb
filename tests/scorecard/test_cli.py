"""``fairdesk scorecard [--since …] [--json]`` and ``fairdesk scorecard rebuild`` on SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairdesk.cli import app
from fairdesk.config import get_settings
from fairdesk.db.session import get_engine, unit_of_work
from tests.factories import make_user
from tests.scorecard.helpers import make_desk

runner = CliRunner()


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FAIRDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAIRDESK_SECRET_KEY", "cli-test-secret")
    monkeypatch.delenv("FAIRDESK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_json_for_a_period_after_a_rebuild(data_dir: Path) -> None:
    empty = runner.invoke(app, ["scorecard", "--since", "2026-03-01", "--json"])
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.stdout)["no_data"] is True
    with unit_of_work(get_engine(get_settings().resolved_database_url)) as session:
        make_desk(session, [make_user(session)])
    built = runner.invoke(app, ["scorecard", "rebuild", "--since", "2026-01-01"])
    assert built.exit_code == 0 and "rollup rows" in built.output
    out = runner.invoke(
        app,
        ["scorecard", "--since", "2026-03-01", "--until", "2026-04-30", "--by", "agent", "--json"],
    )
    body = json.loads(out.stdout)
    assert body["no_data"] is False and body["by"] == "agent"
    assert body["overall"]["tickets"] == 6 and body["overall"]["csat"]["n"] > 0
    table = runner.invoke(app, ["scorecard", "--since", "2026-03-01", "--until", "2026-04-30"])
    assert table.exit_code == 0 and "contacts per resolved case" in table.output


def test_bad_input_names_the_field(data_dir: Path) -> None:
    cases = [
        (["scorecard", "--since", "2026-05-01", "--until", "2026-01-01"], "since"),
        (["scorecard", "--since", "May"], "since"),
        (["scorecard", "--by", "weather"], "by"),
        (["scorecard", "rebuild", "--since", "soon"], "since"),
    ]
    for args, field in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        assert f"error ({field})" in result.output
