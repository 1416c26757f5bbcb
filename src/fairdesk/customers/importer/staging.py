"""A temporary table that holds an import's checked records, and the upsert out of it.

Records wait in the stage until the whole file has been read and checked, so an import that
fails writes nothing to the real tables, and the writing itself is a few set-based statements
per batch instead of a round trip per row. Only the load into the stage depends on the
database (COPY on PostgreSQL, executemany on SQLite, each given values in the form that
SQLAlchemy would store); the reference check and the upsert are the same SQL on both.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

import polars as pl
from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from fairdesk.customers.csv_formats import CsvFormat, Empty, table_of
from fairdesk.customers.importer.checks import LINE
from fairdesk.customers.models import Customer

_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S%.6f"  # SQLAlchemy's storage format for SQLite DATETIME
_PG_DATETIME = "%Y-%m-%dT%H:%M:%S%.6f+00:00"
CUSTOMER_TABLE = table_of(Customer)


class Stage:
    """``with Stage(session, fmt, columns) as stage``: load batches, then merge line ranges."""

    def __init__(self, session: Session, fmt: CsvFormat, columns: Sequence[str]) -> None:
        self.session, self.fmt, self.columns = session, fmt, list(columns)
        self.dialect = session.get_bind().dialect.name
        target = fmt.table
        self.table = Table(
            f"fd_import_{fmt.name}", MetaData(),
            Column(LINE, Integer, primary_key=True, autoincrement=False),
            *(Column(c, target.c[c].type if c in target.c else String()) for c in self.columns),
            prefixes=["TEMPORARY"],
        )

    def __enter__(self) -> Stage:
        connection = self.session.connection()
        self.table.drop(connection, checkfirst=True)
        self.table.create(connection)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.table.drop(self.session.connection())
        except SQLAlchemyError:
            # Only after another error; the caller's rollback takes the table with it.
            if kind is None:
                raise

    def load(self, frame: pl.DataFrame) -> None:
        """Add checked records (LINE + typed columns) to the stage."""
        frame = frame.select(LINE, *self.columns)
        if frame.is_empty():
            return
        if self.dialect == "postgresql":
            self._copy(_encoded(frame, _PG_DATETIME))
        else:
            encoded = _encoded(frame, _SQLITE_DATETIME)
            encoded = encoded.with_columns(pl.col(pl.Decimal).cast(pl.Float64))
            statement = str(insert(self.table).compile(dialect=self.session.get_bind().dialect))
            # Column lists zipped into rows: quicker than Polars' own row conversion.
            rows = list(zip(*(c.to_list() for c in encoded.get_columns()), strict=True))
            self.session.connection().exec_driver_sql(statement, rows)

    def _copy(self, frame: pl.DataFrame) -> None:
        quote = self.session.get_bind().dialect.identifier_preparer.quote
        names = ", ".join(quote(c) for c in frame.columns)
        raw = self.session.connection().connection.driver_connection
        assert raw is not None
        sql = f"COPY {quote(self.table.name)} ({names}) FROM STDIN (FORMAT csv)"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            # Polars writes null as an empty field and "" quoted, which is what COPY expects.
            copy.write(frame.write_csv(include_header=False))

    def analyze(self) -> None:
        """Give the planner the stage's statistics (autovacuum never sees temporary tables)."""
        self.session.execute(text(f"ANALYZE {self.table.name}"))

    def _in(self, first: int, last: int) -> ColumnElement[bool]:
        return self.table.c[LINE].between(first, last)

    def unmatched(self, first: int, last: int) -> list[tuple[int, str]]:
        """Remove and return the records (line, value) whose customer does not exist."""
        assert self.fmt.reference is not None
        ours, theirs = self.fmt.reference
        orphan = and_(self._in(first, last),
                      ~exists().where(CUSTOMER_TABLE.c[theirs] == self.table.c[ours]))
        query = select(self.table.c[LINE].label("line"), self.table.c[ours].label("value"))
        found = [(int(row.line), str(row.value))
                 for row in self.session.execute(query.where(orphan))]
        if found:
            self.session.execute(delete(self.table).where(orphan))
        return found

    def adopt_exported_ids(self, prefix: str) -> None:
        """Give ``prefix<id>`` back to the customer of that id, if it still has no external id.

        An export names a customer that has no external id ``fairdesk:<id>``; this makes
        importing that file into the same database update the customer instead of copying it.
        """
        target, key = self.fmt.table, self.table.c[self.fmt.key]
        label = literal(prefix) + cast(target.c.id, String)
        self.session.execute(
            update(target).where(target.c[self.fmt.key].is_(None),
                                 label.in_(select(key).where(key.like(f"{prefix}%"))))
            .values({self.fmt.key: label}))

    def update_existing(self, first: int, last: int, *, now: datetime) -> int:
        """Update the rows that lines ``first..last`` name and that differ; return how many.

        Rows whose values are all equal are left alone, ``updated_at`` included, so importing
        the same file twice leaves the table as it was.
        """
        target, src = self.fmt.table, self._source(first, last)
        new: dict[str, Any] = {}
        for name in self._data_columns():
            keep = self.fmt.spec(name).empty is Empty.KEEP
            new[name] = func.coalesce(src.c[name], target.c[name]) if keep else src.c[name]
        if self.fmt.reference:
            new["customer_id"] = src.c.customer_id
        if not new:
            return 0  # the file has nothing but keys
        changed = [_comparable(target.c[n], target).is_distinct_from(_comparable(v, target, n))
                   for n, v in new.items()]
        statement = (update(target)
                     .where(target.c[self.fmt.key] == src.c[self.fmt.key], or_(*changed))
                     .values({**new, "updated_at": now}))
        return int(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def insert_new(self, first: int, last: int, *, now: datetime,
                   match_also: Sequence[str] = ()) -> int:
        """Insert the records of lines ``first..last`` that have no row yet; return how many.

        A record counts as having a row when one has its key, or the same value in each
        ``match_also`` column (Shopify's e-mail address). A plain INSERT … SELECT … WHERE NOT
        EXISTS: on PostgreSQL, ON CONFLICT's speculative insertion made this step 1.7 times
        slower, and a concurrent import of the same new key fails on the unique key instead.
        """
        target, src = self.fmt.table, self._source(first, last)
        values: dict[str, Any] = {self.fmt.key: src.c[self.fmt.key]}
        for name in self._data_columns():
            default = getattr(target.c[name].default, "arg", None)
            if self.fmt.spec(name).empty is Empty.KEEP and default is not None:
                values[name] = func.coalesce(src.c[name],
                                             literal(default, type_=target.c[name].type))
            else:
                values[name] = src.c[name]
        if self.fmt.reference:
            values["customer_id"] = src.c.customer_id
        values["created_at"] = values["updated_at"] = literal(now, type_=target.c.created_at.type)
        absent = [~exists().where(target.c[c] == src.c[c]) for c in (self.fmt.key, *match_also)]
        rows = select(*(v.label(k) for k, v in values.items())).where(*absent)
        statement = (insert(target).from_select(list(values), rows)
                     .execution_options(preserve_rowcount=True))
        return int(self.session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def _data_columns(self) -> list[str]:
        ref = self.fmt.reference[0] if self.fmt.reference else None
        return [c for c in self.columns if c not in (self.fmt.key, ref)]

    def _source(self, first: int, last: int) -> Subquery:
        """The stage's records of these lines, with their customer's id when they name one."""
        stage, in_batch = self.table, self._in(first, last)
        if not self.fmt.reference:
            return select(stage).where(in_batch).subquery("src")
        ours, theirs = self.fmt.reference
        by = CUSTOMER_TABLE.c[theirs]
        # min(): an e-mail address (Shopify) may belong to several customers.
        customers = (select(by.label("ref"), func.min(CUSTOMER_TABLE.c.id).label("customer_id"))
                     .where(by.in_(select(stage.c[ours]).where(in_batch)))
                     .group_by(by).subquery("ref"))
        return (select(stage, customers.c.customer_id)
                .join(customers, customers.c.ref == stage.c[ours]).where(in_batch)
                .subquery("src"))


def _comparable(expr: Any, target: Table, name: str | None = None) -> Any:
    """JSON has no equality operator on PostgreSQL; compare its text."""
    column = target.c[name] if name else expr
    return cast(expr, Text) if isinstance(column.type, JSON) else expr


def _encoded(frame: pl.DataFrame, datetime_format: str) -> pl.DataFrame:
    """Typed values in the text the database stores: timestamps in UTC, tag lists as JSON."""
    return frame.with_columns(
        *(pl.col(n).dt.strftime(datetime_format) for n, t in frame.schema.items()
          if isinstance(t, pl.Datetime)),
        *(pl.Series(n, [json.dumps(v) for v in frame.get_column(n).to_list()], dtype=pl.String)
          for n, t in frame.schema.items() if isinstance(t, pl.List)),
    )
