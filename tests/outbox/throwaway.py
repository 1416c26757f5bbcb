"""Throwaway databases for code that commits (servers, workers): per-test rollback can't work.

The ``engine`` fixture rolls each test back, but an SMTP server or an outbox worker commits
its own transactions on its own connections. ``committed_db`` gives such a test a fresh,
migrated database of either dialect: a copy of a template migrated once per session
(``CREATE DATABASE … TEMPLATE`` on PostgreSQL, a file copy on SQLite), dropped afterwards.
Conftests import the two fixtures from here.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine
from tests.conftest import PG_ADMIN_URL

DIALECTS = ["sqlite", "postgresql"]


def _pg(statement: str) -> None:
    admin = build_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def _pg_url(name: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@contextmanager
def copy_of(template: str, directory: Path) -> Iterator[str]:
    """A new database with the template's schema; returns its URL, drops it on exit."""
    suffix = uuid.uuid4().hex[:12]
    source = make_url(template)
    if source.get_backend_name() == "sqlite":
        target = directory / f"fd-{suffix}.db"
        shutil.copyfile(str(source.database), target)
        yield f"sqlite:///{target}"
        return
    name = f"fairdesk_tmp_{suffix}"
    _pg(f'CREATE DATABASE "{name}" TEMPLATE "{source.database}"')
    try:
        yield _pg_url(name)
    finally:
        _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def migrated_template(dialect: str, directory: Path) -> Iterator[str]:
    if dialect == "sqlite":
        url = f"sqlite:///{directory / 'template.db'}"
    else:
        name = f"fairdesk_tmpl_{uuid.uuid4().hex[:12]}"
        _pg(f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()  # a template must have no open connections to be copied
    try:
        yield url
    finally:
        if dialect != "sqlite":
            _pg(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@pytest.fixture(scope="session", params=DIALECTS)
def db_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with migrated_template(request.param, tmp_path_factory.mktemp("template")) as url:
        yield url


@pytest.fixture()
def committed_db(db_template: str, tmp_path: Path) -> Iterator[Engine]:
    """A migrated engine on a database of its own, for code that commits."""
    with copy_of(db_template, tmp_path) as url:
        engine = build_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
