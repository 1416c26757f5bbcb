"""Business-time arithmetic: properties that any SLA clock must keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdesk.tickets.sla import (
    BusinessCalendar,
    CalendarError,
    add_business_time,
    business_time_between,
)

OFFICE = BusinessCalendar.from_config(
    timezone="Europe/London",
    hours={
        d: [["09:00", "12:30"], ["13:30", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")
    },
    holidays=["2026-12-25", "2026-12-28"],
)
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
spans = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=200))


@given(moments, spans)
def test_added_time_is_measured_back(start: datetime, delta: timedelta) -> None:
    end = add_business_time(start, delta, OFFICE)
    assert end >= start
    assert business_time_between(start, end, OFFICE) == delta


@given(moments, spans, spans)
def test_adding_is_monotone_and_composes(start: datetime, a: timedelta, b: timedelta) -> None:
    assert add_business_time(start, min(a, b), OFFICE) <= add_business_time(
        start, max(a, b), OFFICE
    )
    step = add_business_time(add_business_time(start, a, OFFICE), b, OFFICE)
    assert business_time_between(start, step, OFFICE) == a + b


def test_friday_afternoon_rolls_over_weekend_and_lunch() -> None:
    friday_4pm = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # GMT in November
    due = add_business_time(friday_4pm, timedelta(hours=4), OFFICE)
    # 1.5h on Friday, then Monday 09:00-11:30.
    assert due == datetime(2026, 11, 23, 11, 30, tzinfo=UTC)
    lunch = add_business_time(datetime(2026, 11, 23, 12, 0, tzinfo=UTC), timedelta(hours=1), OFFICE)
    assert lunch == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def test_holidays_are_skipped_and_summer_time_respected() -> None:
    christmas_eve_5pm = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    due = add_business_time(christmas_eve_5pm, timedelta(hours=1), OFFICE)
    # 30 min on the 24th, 25th holiday, 26-27 weekend, 28th holiday: 29th 09:00 + 30 min.
    assert due == datetime(2026, 12, 29, 9, 30, tzinfo=UTC)
    july = add_business_time(datetime(2026, 7, 6, 7, 0, tzinfo=UTC), timedelta(minutes=10), OFFICE)
    assert july == datetime(2026, 7, 6, 8, 10, tzinfo=UTC)  # 09:00 BST is 08:00 UTC


def test_always_open_is_plain_time() -> None:
    start = datetime(2026, 1, 3, 23, 0, tzinfo=UTC)
    assert add_business_time(start, timedelta(hours=5), BusinessCalendar()) == start + timedelta(
        hours=5
    )


@pytest.mark.parametrize(
    "config, message",
    [
        ({"timezone": "Mars/Olympus", "hours": {}, "holidays": []}, "time zone"),
        ({"timezone": "UTC", "hours": {"funday": [["09:00", "10:00"]]}, "holidays": []}, "weekday"),
        (
            {"timezone": "UTC", "hours": {"mon": [["18:00", "09:00"]]}, "holidays": []},
            "ends before",
        ),
        ({"timezone": "UTC", "hours": {"mon": [["9am", "5pm"]]}, "holidays": []}, "bad opening"),
        ({"timezone": "UTC", "hours": {"mon": []}, "holidays": []}, "never open"),
        ({"timezone": "UTC", "hours": {}, "holidays": ["25/12/2026"]}, "holiday"),
    ],
)
def test_bad_calendars_are_named(config: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(CalendarError, match=message):
        BusinessCalendar.from_config(**config)


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_business_time(datetime(2026, 1, 1), timedelta(hours=1), OFFICE)
