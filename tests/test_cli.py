"""The fairdesk command on a fresh SQLite file: upgrade, users, tokens that work on the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fairdesk.app import create_app
from fairdesk.cli import app
from fairdesk.config import get_settings

runner = CliRunner()


@pytest.fixture()
def fresh_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("FAIRDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FAIRDESK_SECRET_KEY", "cli-test-secret")
    monkeypatch.delenv("FAIRDESK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_upgrade_user_and_token(fresh_env: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (fresh_env / "fairdesk.db").exists()
    result = runner.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "Ops@Example.com",
            "--name",
            "Ops",
            "--role",
            "manager",
            "--password",
            "a-long-password",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "ops@example.com" in result.output
    result = runner.invoke(app, ["token", "create", "--email", "ops@example.com"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("fd_")
    with TestClient(create_app()) as client:
        resp = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {secret}"})
    assert resp.status_code == 200 and resp.json()["total"] == 0


def test_bad_input_names_the_field(fresh_env: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    short = runner.invoke(
        app, ["user", "create", "--email", "a@example.com", "--name", "A", "--password", "short"]
    )
    assert short.exit_code == 2 and "password" in short.output
    twice = [
        "user",
        "create",
        "--email",
        "b@example.com",
        "--name",
        "B",
        "--password",
        "a-long-password",
    ]
    assert runner.invoke(app, twice).exit_code == 0
    again = runner.invoke(app, twice)
    assert again.exit_code == 2 and "already exists" in again.output
    nobody = runner.invoke(app, ["token", "create", "--email", "nobody@example.com"])
    assert nobody.exit_code == 2 and "no staff user" in nobody.output
