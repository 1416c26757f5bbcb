"""``fairdesk goodwill export|import`` on a fresh SQLite data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fairdesk.cli import app
from fairdesk.config import get_settings

runner = CliRunner()


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FAIRDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAIRDESK_SECRET_KEY", "cli-test-secret")
    monkeypatch.delenv("FAIRDESK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_export_then_import_and_errors_with_line_and_field(data_dir: Path) -> None:
    exported = runner.invoke(app, ["goodwill", "export"])
    assert exported.exit_code == 0 and "no_questions_asked:" in exported.stdout
    good = data_dir / "policy.yaml"
    good.write_text(exported.stdout.replace("no_receipt_under: 30", "no_receipt_under: 25"))
    saved = runner.invoke(app, ["goodwill", "import", str(good), "--note", "lower"])
    assert saved.exit_code == 0 and "version 2" in saved.output
    bad = data_dir / "bad.yaml"
    bad.write_text(exported.stdout.replace("max_claims: 3", "max_claims: many"))
    refused = runner.invoke(app, ["goodwill", "import", str(bad)])
    line = next(i for i, s in enumerate(bad.read_text().splitlines(), 1) if "many" in s)
    assert refused.exit_code == 2
    assert f"bad.yaml:{line}" in refused.output and "repeat_claims.max_claims" in refused.output
    assert "no_receipt_under: 25" in runner.invoke(app, ["goodwill", "export"]).stdout
    assert "no_receipt_under: 30" in runner.invoke(
        app, ["goodwill", "export", "--version", "1"]).stdout
