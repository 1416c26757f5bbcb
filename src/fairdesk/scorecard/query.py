"""What a scorecard is asked for: a period of whole weeks and a breakdown, checked once.

Pages, the API and the CLI all pass raw strings through ``parse``, so every bad input gets
the same clear message naming its field, and nothing downstream sees an invalid period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fairdesk.errors import ValidationFailed

DIMENSIONS = ("segment", "persona", "agent", "channel", "stage")
DEFAULT_WEEKS = 26


@dataclass(frozen=True)
class ScorecardQuery:
    since: date
    until: date
    by: str

    @property
    def first_week(self) -> date:
        return self.since - timedelta(days=self.since.weekday())


def _date(raw: str | None, field: str) -> date | None:
    if raw is None or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ValidationFailed(
            f"{field} must be a date like 2026-01-31, not {raw.strip()[:40]!r}", field=field
        ) from exc


def parse(*, since: str | None, until: str | None, by: str | None, today: date) -> ScorecardQuery:
    """Check and complete a request; ``until`` defaults to today, ``since`` to 26 weeks before."""
    end = _date(until, "until") or today
    start = _date(since, "since") or end - timedelta(weeks=DEFAULT_WEEKS)
    if start > end:
        raise ValidationFailed(
            f"since ({start}) is after until ({end}); the period would be empty", field="since"
        )
    dimension = (by or "segment").strip()
    if dimension not in DIMENSIONS:
        raise ValidationFailed(
            f"by must be one of {', '.join(DIMENSIONS)}, not {dimension[:40]!r}", field="by"
        )
    return ScorecardQuery(start, end, dimension)
