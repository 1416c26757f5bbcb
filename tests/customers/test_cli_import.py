"""`fairdesk import` / `fairdesk export` end to end on a fresh SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from fairdesk.cli import app
from fairdesk.config import get_settings
from fairdesk.customers.models import Customer, Order
from fairdesk.db.session import get_engine, unit_of_work

runner = CliRunner()
CUSTOMERS = (
    "external_id,first_name,last_name,email,country,values\n"
    "C1,Ada,Lovelace,ada@example.com,GB,quality;craft\n"
    "C2,Alan,Turing,alan@example.com,GB,\n"
)
ORDERS = (
    "external_id,customer_external_id,placed_at,amount,currency\n"
    "O1,C1,2026-01-05,12.50,GBP\n"
    "O2,C2,2026-01-06T10:00:00Z,8.00,GBP\n"
)


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FAIRDESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("FAIRDESK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _counts() -> tuple[int, int]:
    with unit_of_work(get_engine(get_settings().resolved_database_url)) as s:
        return (
            s.scalar(select(func.count()).select_from(Customer)) or 0,
            s.scalar(select(func.count()).select_from(Order)) or 0,
        )


def test_import_export_round_trip(data_dir: Path) -> None:
    (data_dir / "c.csv").write_text(CUSTOMERS)
    (data_dir / "o.csv").write_text(ORDERS)
    assert runner.invoke(app, ["import", "customers", str(data_dir / "c.csv")]).exit_code == 0
    result = runner.invoke(app, ["import", "orders", str(data_dir / "o.csv")])
    assert result.exit_code == 0 and "2 inserted" in result.output
    again = runner.invoke(app, ["import", "orders", str(data_dir / "o.csv")])
    assert again.exit_code == 0 and "2 unchanged" in again.output
    assert _counts() == (2, 2)
    out = data_dir / "export.csv"
    assert runner.invoke(app, ["export", "orders", str(out)]).exit_code == 0
    assert "O1,C1" in out.read_text()


def test_bad_file_names_row_and_column_and_imports_nothing(data_dir: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    bad = data_dir / "bad.csv"
    bad.write_text(CUSTOMERS + "C3,Bad,Row,not-an-email,GBR,\n")
    result = runner.invoke(app, ["import", "customers", str(bad)])
    assert result.exit_code == 2
    assert "row 4" in result.output and "nothing imported" in result.output
    assert _counts() == (0, 0)
    assert not (data_dir / "bad.rejects.csv").exists()
    skipped = runner.invoke(app, ["import", "customers", str(bad), "--skip-invalid"])
    assert skipped.exit_code == 0 and _counts() == (2, 0)
    assert "C3" in (data_dir / "bad.rejects.csv").read_text()
