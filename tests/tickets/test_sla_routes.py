"""SLA policies and business calendars over the API: managers only, bad input named, new
tickets only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.errors import ValidationFailed
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel, Priority
from fairdesk.tickets.sla_admin import check_calendar
from tests.factories import make_token

WEEKDAYS = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
FRI_16 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


@pytest.fixture()
def boss(session: Session, manager: StaffUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(session, manager)}"}


def _calendar(client: TestClient, headers: dict[str, str], **kw: Any) -> Any:
    body = {"name": "office", "timezone": "Europe/London", "hours": WEEKDAYS, **kw}
    return client.post("/api/v1/sla/calendars", json=body, headers=headers)


def _policy(client: TestClient, headers: dict[str, str], **kw: Any) -> Any:
    body = {
        "name": "normal",
        "priority": "normal",
        "first_response_minutes": 240,
        "resolution_minutes": 960,
        **kw,
    }
    return client.post("/api/v1/sla/policies", json=body, headers=headers)


def test_only_managers_see_or_change_service_levels(
    client: TestClient, api_headers: dict[str, str], boss: dict[str, str]
) -> None:
    assert client.get("/api/v1/sla/policies").status_code == 401
    assert client.get("/api/v1/sla/policies", headers=api_headers).status_code == 403
    assert _calendar(client, api_headers).status_code == 403
    assert _policy(client, api_headers).status_code == 403
    assert client.get("/api/v1/sla/calendars", headers=boss).json() == []


@pytest.mark.parametrize(
    "change, field",
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"hours": {"funday": [["09:00", "10:00"]]}}, "hours.funday"),
        ({"hours": {"mon": [["18:00", "09:00"]]}}, "hours.mon"),
        ({"hours": {"tue": [["9am", "5pm"]]}}, "hours.tue"),
        ({"hours": {"mon": [], "tue": []}}, "hours"),
        ({"holidays": ["2026-12-25", "2026-13-01"]}, "holidays.1"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_calendar_is_refused_naming_the_field(
    client: TestClient, boss: dict[str, str], change: dict[str, Any], field: str
) -> None:
    resp = _calendar(client, boss, **change)
    assert resp.status_code == 422, resp.text
    assert resp.json()["field"] == field
    assert client.get("/api/v1/sla/calendars", headers=boss).json() == []


def test_calendars_are_created_listed_and_changed(
    client: TestClient, boss: dict[str, str], session: Session, manager: StaffUser
) -> None:
    made = _calendar(client, boss, holidays=["2026-12-28", "2026-12-25"])
    assert made.status_code == 201, made.text
    cal = made.json()
    assert cal["holidays"] == ["2026-12-25", "2026-12-28"]
    assert _calendar(client, boss).json()["field"] == "name"  # the name is taken
    changed = client.patch(
        f"/api/v1/sla/calendars/{cal['id']}", json={"timezone": "Europe/Paris"}, headers=boss
    )
    assert changed.status_code == 200 and changed.json()["hours"] == WEEKDAYS
    bad = client.patch(
        f"/api/v1/sla/calendars/{cal['id']}", json={"hours": {"sat": [["x", "y"]]}}, headers=boss
    )
    assert bad.status_code == 422 and bad.json()["field"] == "hours.sat"
    assert client.get("/api/v1/sla/calendars", headers=boss).json()[0]["timezone"] == (
        "Europe/Paris"
    )
    assert client.patch("/api/v1/sla/calendars/999999", json={}, headers=boss).status_code == 404
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == manager.id)
    ).all()
    assert {"sla.calendar.create", "sla.calendar.update"} <= set(actions)


def test_policy_rules_are_checked(client: TestClient, boss: dict[str, str]) -> None:
    cal = _calendar(client, boss).json()["id"]
    first = _policy(client, boss, calendar_id=cal)
    assert first.status_code == 201, first.text
    twin = _policy(client, boss)
    assert twin.status_code == 409 and twin.json()["field"] == "priority"
    vip = _policy(client, boss, segment="vip", first_response_minutes=60)
    assert vip.status_code == 201 and vip.json()["segment"] == "vip"
    short = _policy(client, boss, priority="high", resolution_minutes=10)
    assert short.status_code == 422 and short.json()["field"] == "resolution_minutes"
    nowhere = _policy(client, boss, priority="high", calendar_id=999999)
    assert nowhere.status_code == 404 and nowhere.json()["field"] == "calendar_id"
    negative = _policy(client, boss, priority="low", warn_before_minutes=-5)
    assert negative.status_code == 422 and negative.json()["field"] == "warn_before_minutes"
    # Deactivating the first makes room for a replacement.
    pid = first.json()["id"]
    off = client.patch(f"/api/v1/sla/policies/{pid}", json={"active": False}, headers=boss)
    assert off.status_code == 200 and off.json()["active"] is False
    assert _policy(client, boss).status_code == 201
    back_on = client.patch(f"/api/v1/sla/policies/{pid}", json={"active": True}, headers=boss)
    assert back_on.status_code == 409
    listed = client.get("/api/v1/sla/policies", headers=boss).json()
    assert len(listed) == 3


def test_a_changed_policy_applies_to_new_tickets_only(
    client: TestClient, boss: dict[str, str], session: Session
) -> None:
    cal = _calendar(client, boss).json()["id"]
    pid = _policy(client, boss, calendar_id=cal).json()["id"]

    def ticket_at(now: datetime) -> datetime | None:
        incoming = Incoming(channel=IntakeChannel.API, email="x@example.com", subject="s", body="b")
        return receive(session, incoming, now=now).ticket.first_response_due_at

    before = ticket_at(FRI_16)
    assert before == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Friday 16:00 + 4 business h
    resp = client.patch(
        f"/api/v1/sla/policies/{pid}", json={"first_response_minutes": 60}, headers=boss
    )
    assert resp.status_code == 200
    after = ticket_at(FRI_16)
    assert after == FRI_16 + timedelta(hours=1)
    assert before == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


spans = st.lists(
    st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 23), st.integers(0, 59)),
    max_size=3,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(day=st.sampled_from(["mon", "sun", "Mon", "monday", ""]), raw=spans)
def test_calendar_check_either_accepts_or_names_a_field(day: str, raw: list[Any]) -> None:
    hours = {day: [[f"{a:02d}:{b:02d}", f"{c:02d}:{d:02d}"] for a, b, c, d in raw]}
    try:
        cal = check_calendar(timezone="Europe/London", hours=hours, holidays=[])
    except ValidationFailed as exc:
        assert exc.field in (f"hours.{day}", "hours")
        return
    assert day in ("mon", "sun") and not cal.always_open


def test_priority_of_a_policy_sets_the_promise(
    client: TestClient, boss: dict[str, str], session: Session
) -> None:
    _policy(client, boss, priority="urgent", first_response_minutes=15, resolution_minutes=120)
    result = receive(
        session,
        Incoming(
            channel=IntakeChannel.API,
            email="u@example.com",
            subject="s",
            body="b",
            priority=Priority.URGENT,
        ),
        now=FRI_16,
    )
    assert result.ticket.first_response_due_at == FRI_16 + timedelta(minutes=15)
    assert "15 minutes" in result.acknowledgement
