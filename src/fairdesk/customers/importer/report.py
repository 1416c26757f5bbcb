"""What an import did: counts, the problems found (row, column, reason) and the refused rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl

MAX_ERRORS = 1000  # problems kept for display; error_count has them all, the rejects every row
ERROR_COLUMN = "error"


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"  # any problem: nothing is written
    SKIP_INVALID = "skip_invalid"  # good records are written, the others reported


class Phase(StrEnum):
    CHECKING = "checking"  # reading and checking the file; done/total in bytes
    WRITING = "writing"  # writing the checked records; done/total in statements


@dataclass(frozen=True)
class ImportProgress:
    """One step of an import, for a progress bar: ``done`` out of ``total`` in this phase."""

    phase: Phase
    done: int
    total: int


@dataclass(frozen=True)
class RowError:
    """One problem. ``row`` is the file's line number where the record starts (the header is
    line 1, so it is the spreadsheet's row number); None when it concerns the whole file."""

    row: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = "file" if self.row is None else f"row {self.row}"
        if self.column:
            where += f", column {self.column}"
        shown = f" (value {self.value!r})" if self.value else ""
        return f"{where}: {self.reason}{shown}"


@dataclass
class ImportReport:
    """Counts are of records: a customer, or an order (a Shopify order spans several rows)."""

    kind: str  # "customers" or "orders"
    source_format: str  # "fairdesk" or "shopify"
    mode: ImportMode
    rows_read: int = 0  # data rows read from the file
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # records refused; their rows go to the rejects file
    customers_created: int = 0  # Shopify: customers made for unknown e-mail addresses
    applied: bool = False  # whether records were written (never with problems in ALL_OR_NOTHING)
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_ERRORS, in file order
    notes: list[str] = field(default_factory=list)  # e.g. the encoding the file was read in
    header: list[str] = field(default_factory=list)
    rejects: list[pl.DataFrame] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        """True when the whole file was good."""
        return self.error_count == 0

    def add(self, errors: list[RowError], *, total: int | None = None) -> None:
        """Count ``total`` problems (default: these), keeping the first MAX_ERRORS."""
        self.error_count += len(errors) if total is None else total
        self.errors.extend(errors[: max(0, MAX_ERRORS - len(self.errors))])

    def write_rejects(self, path: Path) -> int:
        """Write the refused rows as they were read, plus an ``error`` column, to a UTF-8 CSV
        (with a BOM, so a spreadsheet shows accents) that can be fixed and imported again.
        Returns the number of rows written."""
        columns = [*self.header, ERROR_COLUMN]
        frame = pl.concat([pl.DataFrame(schema=dict.fromkeys(columns, pl.String)),
                           *(r.select(columns) for r in self.rejects)])
        # Empty cells stay empty (Polars would write "" for an empty string).
        frame.with_columns(pl.all().replace("", None)).write_csv(path, include_bom=True)
        return frame.height

    def to_dict(self) -> dict[str, Any]:
        """The report for an API response or a page, without the rejected rows."""
        return {
            "kind": self.kind, "format": str(self.source_format), "mode": str(self.mode),
            "ok": self.ok, "applied": self.applied, "rows_read": self.rows_read,
            "inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
            "skipped": self.skipped, "customers_created": self.customers_created,
            "error_count": self.error_count, "notes": self.notes,
            "errors": [{"row": e.row, "column": e.column, "value": e.value, "reason": e.reason}
                       for e in self.errors],
        }
