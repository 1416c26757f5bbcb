"""``fairdesk themes build|list`` on a fresh SQLite data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairdesk.cli import app
from fairdesk.config import get_settings
from fairdesk.db import migrate
from fairdesk.db.session import get_engine, unit_of_work
from tests.factories import make_customer
from tests.feedback.helpers import add_comment
from tests.feedback.themes.synthetic import PLANTED, planted_corpus

runner = CliRunner()


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FAIRDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAIRDESK_SECRET_KEY", "cli-test-secret")
    monkeypatch.delenv("FAIRDESK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_build_says_what_it_found_and_list_prints_the_themes(data_dir: Path) -> None:
    empty = runner.invoke(app, ["themes", "build"])
    assert empty.exit_code == 1 and "nothing to group" in empty.output
    bad = runner.invoke(app, ["themes", "build", "--backend", "magic"])
    assert bad.exit_code == 2 and "--backend must be" in bad.output
    engine = get_engine(get_settings().resolved_database_url)
    migrate.upgrade(engine)
    texts, _ = planted_corpus(120, seed=8)
    with unit_of_work(engine) as session:
        customer = make_customer(session)
        for text in texts:
            add_comment(session, customer, text)
    built = runner.invoke(app, ["themes", "build", "--backend", "tfidf"])
    assert built.exit_code == 0, built.output
    assert "120 of 120 texts in 4 themes (4 new" in built.output
    again = runner.invoke(app, ["themes", "build", "--backend", "tfidf"])
    assert "(0 new" in again.output
    listed = runner.invoke(app, ["themes", "list"])
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert listed.exit_code == 0 and len(rows) == 4
    assert sum(int(row[1]) for row in rows) == 120
    for planted in PLANTED.values():  # each planted theme is named by its own words
        assert any(set(planted) & set(row[3].replace(",", " ").split()) for row in rows)
