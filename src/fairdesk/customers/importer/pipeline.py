"""One import from start to end: read and check every batch into the stage, then write.

Writing starts only once the whole file has been read, so in ALL_OR_NOTHING mode a problem
anywhere means the real tables are never touched, and in SKIP_INVALID mode the refused rows
are known, with their reasons, before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import polars as pl
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.config import Settings
from fairdesk.customers.importer.checks import LINE, PROBLEM_SCHEMA
from fairdesk.customers.importer.report import (
    ERROR_COLUMN,
    MAX_ERRORS,
    ImportMode,
    ImportProgress,
    ImportReport,
    Phase,
    RowError,
)
from fairdesk.customers.importer.source import Batch, CsvSource
from fairdesk.customers.importer.staging import Stage
from fairdesk.db.base import utcnow

RECORD = "_record"  # the line a record starts on; a Shopify order spans several lines
BATCH_ROWS = 50_000  # records read and checked at a time
MERGE_ROWS = 200_000  # records written per statement
Progress = Callable[[ImportProgress], None]


class Run:
    """The state of one import shared by the formats: report, duplicates seen, progress."""

    def __init__(self, session: Session, report: ImportReport, *, settings: Settings,
                 progress: Progress | None) -> None:
        self.session, self.report, self.settings = session, report, settings
        self._progress = progress
        self._seen: dict[str, pl.DataFrame] = {}
        # per stage: (first line, last line, records staged) of each batch
        self._ranges: dict[str, list[tuple[int, int, int]]] = {}
        self.now: datetime = utcnow()

    def open(self, source: BinaryIO | Path) -> CsvSource:
        return CsvSource(source, max_field_bytes=self.settings.import_max_field_bytes,
                         max_file_bytes=self.settings.import_max_file_bytes)

    def started(self, source: CsvSource) -> None:
        # Core statements do not autoflush: pending ORM changes must be in the database.
        self.session.flush()
        self.report.header = source.header
        self.report.notes.extend(source.notes)

    def tick(self, phase: Phase, done: int, total: int) -> None:
        if self._progress is not None:
            self._progress(ImportProgress(phase, done, total))

    def first_only(self, name: str, good: pl.DataFrame, key: str,
                   *, report: bool = True) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Keep the first record of each key in the whole file; the others are problems."""
        seen = self._seen.get(name, pl.DataFrame(schema={key: pl.String, "first": pl.Int64}))
        here = good.group_by(key).agg(pl.col(LINE).min().alias("first"))
        earlier = seen.join(here.select(key), on=key, how="semi")
        firsts = pl.concat([earlier, here]).unique(key, keep="first")
        self._seen[name] = pl.concat([seen, here.join(earlier, on=key, how="anti")],
                                     rechunk=False)
        marked = good.join(firsts, on=key, how="left")
        problems = marked.filter(pl.col(LINE) != pl.col("first")).select(
            pl.col(LINE), pl.lit(key).alias("column"), pl.col(key).alias("value"),
            pl.format("appears more than once in the file (first on row {})", "first")
            .alias("reason"),
        )
        kept = marked.filter(pl.col(LINE) == pl.col("first")).drop("first")
        return kept, problems if report else problems.clear()

    def ragged(self, batch: Batch) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Rows with the wrong number of fields: their problems and their (padded) rows."""
        width = len(self.report.header)
        lines = [line for line, _ in batch.ragged]
        problems = pl.DataFrame({
            LINE: lines, "column": [None] * len(lines), "value": [None] * len(lines),
            "reason": [f"has {len(row)} fields but the header has {width}"
                       for _, row in batch.ragged],
        }, schema=PROBLEM_SCHEMA)
        rows = pl.DataFrame([(row + [""] * width)[:width] for _, row in batch.ragged],
                            schema=dict.fromkeys(self.report.header, pl.String), orient="row")
        return problems, rows.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))

    def refuse(self, raw: pl.DataFrame, problems: Iterable[pl.DataFrame]) -> None:
        """Report problems and keep the rows of the records they refuse.

        A problem frame has PROBLEM_SCHEMA and optionally RECORD (the record's first line,
        when the problem is on another of its lines); ``raw`` holds the rows as read, with
        RECORD where records span lines.
        """
        found = pl.concat([_with_record(p)
                           .select(*PROBLEM_SCHEMA, RECORD) for p in problems],
                          how="vertical_relaxed").unique([LINE, "column", "reason"],
                                                          keep="first", maintain_order=True)
        if found.is_empty():
            return
        found = found.sort(LINE, maintain_order=True)
        room = max(0, MAX_ERRORS - len(self.report.errors))
        self.report.add([RowError(*row) for row in found.head(room).select(*PROBLEM_SCHEMA)
                         .iter_rows()], total=found.height)
        reasons = found.group_by(RECORD).agg(
            pl.concat_str(pl.col("column").fill_null("row"), pl.lit(": "), pl.col("reason"))
            .str.join("; ").alias(ERROR_COLUMN))
        self.report.skipped += reasons.height
        rows = _with_record(raw).join(reasons, on=RECORD).sort(LINE)
        self.report.rejects.append(rows.select(*self.report.header, ERROR_COLUMN))

    def staged(self, stage: Stage, lines: pl.Series, count: int) -> None:
        """Note that ``count`` records of these lines wait in ``stage``."""
        if count:
            first, last = lines.min(), lines.max()
            assert isinstance(first, int) and isinstance(last, int)
            self._ranges.setdefault(stage.table.name, []).append((first, last, count))

    def may_write(self) -> bool:
        return self.report.error_count == 0 or self.report.mode is ImportMode.SKIP_INVALID

    def write(self, stage: Stage, *, match_also: Sequence[str] = ()) -> tuple[int, int, int]:
        """Merge the stage into its table; return (inserted, updated, unchanged).

        All updates run before any insert, so the updates join a table that is not growing,
        and inserts never meet a row this import wrote. With ``match_also``, existing rows
        are left as they are and only missing ones are added.
        """
        stage.analyze()
        ranges = _merged(self._ranges.get(stage.table.name, []), MERGE_ROWS)
        total = sum(n for _, _, n in ranges)
        steps = len(ranges) * (1 if match_also else 2)
        done = inserted = updated = 0
        if not match_also:
            for first, last, _ in ranges:
                updated += stage.update_existing(first, last, now=self.now)
                done += 1
                self.tick(Phase.WRITING, done, steps)
        for first, last, _ in ranges:
            inserted += stage.insert_new(first, last, now=self.now, match_also=match_also)
            done += 1
            self.tick(Phase.WRITING, done, steps)
        return inserted, updated, total - inserted - updated

    def audit(self, actor: StaffUser | None, source: BinaryIO | Path) -> None:
        name = source.name if isinstance(source, Path) else getattr(source, "name", None)
        details = self.report.to_dict()
        details.pop("errors")
        details["file"] = name if isinstance(name, str) else None
        entity = "customer" if self.report.kind == "customers" else "order"
        audit.record(self.session, actor=actor, action=f"{entity}.import", entity_type=entity,
                     details=details)
        self.session.flush()
        if self.report.applied:
            # Rows were changed behind the ORM's back: loaded objects must reload.
            self.session.expire_all()


def header_errors(source: CsvSource, known: Collection[str], required: Collection[str],
                  *, allow_unknown: bool = False) -> list[RowError]:
    """Header problems: empty, repeated or unknown names, missing required columns."""
    header, row = source.header, source.header_line
    errors = [RowError(row, None, None, f"column {i} has no name")
              for i, name in enumerate(header, 1) if not name]
    errors += [RowError(row, name, None, "column appears more than once")
               for name in sorted({n for n in header if n and header.count(n) > 1})]
    if not allow_unknown:
        expected = ", ".join(known)
        errors += [RowError(row, name, None, f"unknown column (expected: {expected})")
                   for name in header if name and name not in known]
    errors += [RowError(row, name, None, "required column is missing")
               for name in required if name not in header]
    return errors


def _merged(ranges: list[tuple[int, int, int]], size: int) -> list[tuple[int, int, int]]:
    """Join consecutive (first, last, count) line ranges into ranges of about ``size``."""
    joined: list[tuple[int, int, int]] = []
    for first, last, count in ranges:
        if joined and joined[-1][2] + count <= size:
            start, _, total = joined[-1]
            joined[-1] = (start, last, total + count)
        else:
            joined.append((first, last, count))
    return joined


def _with_record(frame: pl.DataFrame) -> pl.DataFrame:
    """RECORD defaults to LINE: most records are one line."""
    return frame if RECORD in frame.columns else frame.with_columns(pl.col(LINE).alias(RECORD))
