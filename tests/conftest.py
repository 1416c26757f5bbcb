"""Test fixtures: every database test runs on SQLite and on PostgreSQL, rolled back per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from fairdesk.app import create_app
from fairdesk.auth.models import Role, StaffUser
from fairdesk.config import Settings
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine
from tests.factories import PASSWORD, make_token, make_user

PG_ADMIN_URL = os.environ.get(
    "FAIRDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_SECRET = "test-secret-key-0123456789"


def _worker() -> str:
    """A name part unique to this test process, for databases tests create."""
    return str(os.getpid())


def _admin() -> Engine:
    return build_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _fresh_pg_database(name: str) -> str:
    """Create an empty database for this test process and return its URL."""
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(name: str) -> None:
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    # One database per test process (xdist workers and concurrent runs never collide).
    pg_name = f"fairdesk_test_{_worker()}"
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'fairdesk.db'}"
    else:
        url = _fresh_pg_database(pg_name)
    eng = build_engine(url)
    upgrade(eng)
    yield eng
    eng.dispose()
    if request.param == "postgresql":
        _drop_pg_database(pg_name)


@pytest.fixture()
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture()
def session_factory(connection: Connection) -> sessionmaker[Session]:
    # Commits inside the code under test become savepoints; the outer rollback undoes all.
    return sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture()
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=TEST_SECRET)  # type: ignore[arg-type]


@pytest.fixture()
def app(settings: Settings, engine: Engine, session_factory: sessionmaker[Session]) -> FastAPI:
    application = create_app(settings, engine)
    application.state.session_factory = session_factory
    return application


@pytest.fixture()
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture()
def agent(session: Session) -> StaffUser:
    return make_user(session, role=Role.AGENT)


@pytest.fixture()
def manager(session: Session) -> StaffUser:
    return make_user(session, role=Role.MANAGER)


@pytest.fixture()
def api_headers(session: Session, agent: StaffUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(session, agent)}"}


def login(client: TestClient, user: StaffUser, password: str = PASSWORD) -> None:
    """Sign a browser-like client in through the real login form."""
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post(
        "/login",
        data={"email": user.email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text
