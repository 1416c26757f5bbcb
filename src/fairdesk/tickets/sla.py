"""Business-time arithmetic for SLA clocks: pure functions over a business calendar.

An SLA target of "4 hours" means four *business* hours: the clock runs only inside opening
hours, skips holidays, and pauses while a ticket waits on the customer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_DAYS_SCANNED = 3 * 366  # a calendar with almost no open time still ends


class CalendarError(ValueError):
    """A calendar that cannot be used: bad zone, bad hours, or never open."""


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours per weekday (local time) and holidays; no hours at all means 24/7."""

    timezone: str = "UTC"
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @property
    def always_open(self) -> bool:
        return not self.hours

    @classmethod
    def from_config(
        cls, *, timezone: str, hours: dict[str, list[list[str]]], holidays: list[str]
    ) -> BusinessCalendar:
        try:
            ZoneInfo(timezone)
        except Exception as exc:  # ZoneInfoNotFoundError or ValueError on odd keys
            raise CalendarError(f"unknown time zone {timezone!r}") from exc
        parsed: dict[int, tuple[tuple[time, time], ...]] = {}
        for day, spans in hours.items():
            if day not in DAYS:
                raise CalendarError(f"unknown weekday {day!r}; use one of {', '.join(DAYS)}")
            out = []
            for span in spans:
                try:
                    start, end = (time.fromisoformat(s) for s in span)
                except (TypeError, ValueError) as exc:
                    raise CalendarError(f"{day}: bad opening span {span!r}") from exc
                if end <= start:
                    raise CalendarError(f"{day}: span {span!r} ends before it starts")
                out.append((start, end))
            parsed[DAYS.index(day)] = tuple(sorted(out))
        if hours and not any(parsed.values()):
            raise CalendarError("the calendar is never open")
        try:
            hol = frozenset(date.fromisoformat(d) for d in holidays)
        except ValueError as exc:
            raise CalendarError(f"bad holiday date: {exc}") from exc
        return cls(timezone=timezone, hours=parsed, holidays=hol)

    def _open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's opening spans as aware UTC datetimes."""
        if day in self.holidays:
            return []
        tz = ZoneInfo(self.timezone)
        return [
            (
                datetime.combine(day, start, tz).astimezone(UTC),
                datetime.combine(day, end, tz).astimezone(UTC),
            )
            for start, end in self.hours.get(day.weekday(), ())
        ]


def add_business_time(start: datetime, delta: timedelta, cal: BusinessCalendar) -> datetime:
    """The moment when ``delta`` of business time has elapsed after ``start``."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if delta < timedelta(0):
        raise ValueError("delta must not be negative")
    if cal.always_open:
        return start + delta
    remaining = delta
    local_day = start.astimezone(ZoneInfo(cal.timezone)).date()
    for offset in range(_MAX_DAYS_SCANNED):
        for open_at, close_at in cal._open_spans(local_day + timedelta(days=offset)):
            begin = max(open_at, start)
            if begin >= close_at:
                continue
            available = close_at - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
    raise CalendarError("the calendar has no opening hours in the next three years")


def business_time_between(a: datetime, b: datetime, cal: BusinessCalendar) -> timedelta:
    """Business time elapsed from ``a`` to ``b`` (zero when ``b`` is not after ``a``)."""
    if b <= a:
        return timedelta(0)
    if cal.always_open:
        return b - a
    total = timedelta(0)
    tz = ZoneInfo(cal.timezone)
    day = a.astimezone(tz).date()
    last = b.astimezone(tz).date()
    while day <= last:
        for open_at, close_at in cal._open_spans(day):
            lo, hi = max(open_at, a), min(close_at, b)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total
