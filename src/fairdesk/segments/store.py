"""Bulk writes of per-customer results: COPY on PostgreSQL, executemany on SQLite.

A run replaces a million score rows; row-by-row inserts would take minutes, COPY takes
seconds. Everything stays inside the caller's transaction, so readers keep seeing the
previous run until the unit of work commits.
"""

from __future__ import annotations

import io

import polars as pl
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

CHUNK = 20_000


def write_rows(session: Session, table: Table, frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, table, frame)
        return
    for start in range(0, frame.height, CHUNK):
        session.execute(insert(table), frame.slice(start, CHUNK).to_dicts())


def _copy(session: Session, table: Table, frame: pl.DataFrame) -> None:
    text = frame.with_columns(
        pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%S%.f+00:00")
        for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)
    )
    buffer = io.BytesIO()
    text.write_csv(buffer, include_header=False, null_value="")
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(  # type: ignore[attr-defined]
        f'COPY "{table.name}" ({columns}) FROM STDIN WITH (FORMAT csv)'
    ) as copy:
        copy.write(buffer.getvalue())

