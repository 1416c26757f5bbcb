"""SLA policies and business calendars as managers set them: shapes, checks and changes.

A ticket's due times are computed once, when it arrives (or when its priority changes), from
the policy in force then, and stored on the ticket. Changing a policy therefore applies to new
tickets only: open tickets keep the promise their customer was given. Two things do follow a
change at once for open tickets of that policy: the warning lead of the SLA watch, and the
calendar used to push due times back after a pause on the customer.

At most one active policy exists per priority and segment (segment ``None`` means everyone),
so the policy a ticket gets is never a matter of row order. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.errors import Conflict, NotFound, ValidationFailed
from fairdesk.tickets.models import Priority, SlaCalendar, SlaPolicy
from fairdesk.tickets.sla import DAYS, BusinessCalendar, CalendarError

MAX_MINUTES = 366 * 24 * 60
Spans = dict[str, list[list[str]]]


class CalendarFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    timezone: str = Field(default="Europe/London", min_length=1, max_length=64)
    hours: Spans = Field(
        default_factory=dict,
        description='Opening spans per weekday in local time, e.g. {"mon": [["09:00", '
        '"17:30"]]}; a missing day is closed; no days at all means open 24/7.',
    )
    holidays: list[date] = Field(default_factory=list, max_length=1000)


class CalendarCreate(CalendarFields):
    name: str = Field(min_length=1, max_length=80)


class CalendarUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=80)
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    hours: Spans | None = None
    holidays: list[date] | None = Field(default=None, max_length=1000)


class CalendarOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    timezone: str
    hours: dict[str, Any]
    holidays: list[str]


class PolicyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=80)
    priority: Priority
    first_response_minutes: int = Field(gt=0, le=MAX_MINUTES)
    resolution_minutes: int = Field(gt=0, le=MAX_MINUTES)
    calendar_id: int | None = Field(default=None, description="None: the clock runs 24/7")
    segment: str | None = Field(
        default=None, min_length=1, max_length=80, description="A segment key; None: everyone"
    )
    warn_before_minutes: int = Field(default=30, ge=0, le=MAX_MINUTES)
    active: bool = True


class PolicyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=80)
    priority: Priority | None = None
    first_response_minutes: int | None = Field(default=None, gt=0, le=MAX_MINUTES)
    resolution_minutes: int | None = Field(default=None, gt=0, le=MAX_MINUTES)
    calendar_id: int | None = None
    segment: str | None = Field(default=None, min_length=1, max_length=80)
    warn_before_minutes: int | None = Field(default=None, ge=0, le=MAX_MINUTES)
    active: bool | None = None


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    priority: Priority
    first_response_minutes: int
    resolution_minutes: int
    calendar_id: int | None
    segment: str | None
    warn_before_minutes: int
    active: bool


def check_calendar(*, timezone: str, hours: Spans, holidays: list[date]) -> BusinessCalendar:
    """Parse a calendar, naming the field at fault: ``timezone``, ``hours.<day>``, ``hours``."""
    iso = [d.isoformat() for d in holidays]
    try:
        BusinessCalendar.from_config(timezone=timezone, hours={}, holidays=[])
    except CalendarError as exc:
        raise ValidationFailed(str(exc), field="timezone") from exc
    for day, spans in hours.items():
        if day in DAYS and not spans:
            continue  # a closed day is fine on its own; "never open" is judged below
        try:
            BusinessCalendar.from_config(timezone=timezone, hours={day: spans}, holidays=[])
        except CalendarError as exc:
            raise ValidationFailed(str(exc), field=f"hours.{day}") from exc
    try:
        return BusinessCalendar.from_config(timezone=timezone, hours=hours, holidays=iso)
    except CalendarError as exc:
        raise ValidationFailed(str(exc), field="hours") from exc


def _name_free(session: Session, name: str, calendar_id: int | None) -> None:
    other = session.scalar(select(SlaCalendar.id).where(SlaCalendar.name == name))
    if other is not None and other != calendar_id:
        raise Conflict(f"a calendar named {name!r} exists (id {other})", field="name")


def list_calendars(session: Session) -> Sequence[SlaCalendar]:
    return session.scalars(select(SlaCalendar).order_by(SlaCalendar.name)).all()


def get_calendar(session: Session, calendar_id: int, *, field: str = "calendar_id") -> SlaCalendar:
    row = session.get(SlaCalendar, calendar_id)
    if row is None:
        raise NotFound(f"no SLA calendar with id {calendar_id}", field=field)
    return row


def create_calendar(session: Session, *, data: CalendarCreate, actor: StaffUser) -> SlaCalendar:
    check_calendar(timezone=data.timezone, hours=data.hours, holidays=data.holidays)
    _name_free(session, data.name, None)
    row = SlaCalendar(
        name=data.name,
        timezone=data.timezone,
        hours=data.hours,
        holidays=sorted(d.isoformat() for d in data.holidays),
    )
    session.add(row)
    session.flush()
    _audit(
        session, actor, "sla.calendar.create", "sla_calendar", row.id, data.model_dump(mode="json")
    )
    return row


def update_calendar(
    session: Session, *, calendar_id: int, data: CalendarUpdate, actor: StaffUser
) -> SlaCalendar:
    row = get_calendar(session, calendar_id)
    changes = data.model_dump(exclude_unset=True)
    for key in ("name", "timezone", "hours", "holidays"):
        if key in changes and changes[key] is None:
            raise ValidationFailed(f"{key} cannot be null", field=key)
    timezone = data.timezone if data.timezone is not None else row.timezone
    hours = data.hours if data.hours is not None else row.hours
    holidays = (
        data.holidays
        if data.holidays is not None
        else [date.fromisoformat(d) for d in row.holidays]
    )
    check_calendar(timezone=timezone, hours=hours, holidays=holidays)
    if data.name is not None:
        _name_free(session, data.name, row.id)
        row.name = data.name
    row.timezone = timezone
    row.hours = hours
    row.holidays = sorted(d.isoformat() for d in holidays)
    session.flush()
    _audit(
        session,
        actor,
        "sla.calendar.update",
        "sla_calendar",
        row.id,
        data.model_dump(mode="json", exclude_unset=True),
    )
    return row


def list_policies(session: Session) -> Sequence[SlaPolicy]:
    return session.scalars(select(SlaPolicy).order_by(SlaPolicy.priority, SlaPolicy.id)).all()


def get_policy(session: Session, policy_id: int) -> SlaPolicy:
    row = session.get(SlaPolicy, policy_id)
    if row is None:
        raise NotFound(f"no SLA policy with id {policy_id}", field="policy_id")
    return row


def _check_policy(session: Session, policy: SlaPolicy) -> None:
    """Whole-policy rules, checked on the values a create or update would store."""
    if policy.resolution_minutes < policy.first_response_minutes:
        raise ValidationFailed(
            "the resolution target cannot be shorter than the first-response target",
            field="resolution_minutes",
        )
    if policy.calendar_id is not None:
        get_calendar(session, policy.calendar_id)
    if not policy.active:
        return
    clash = session.scalar(
        select(SlaPolicy.id).where(
            SlaPolicy.active,
            SlaPolicy.priority == policy.priority,
            SlaPolicy.segment.is_(None)
            if policy.segment is None
            else SlaPolicy.segment == policy.segment,
            SlaPolicy.id != (policy.id or 0),
        )
    )
    if clash is not None:
        who = f"segment {policy.segment!r}" if policy.segment else "everyone"
        raise Conflict(
            f"policy {clash} is already active for {policy.priority} priority and {who}; "
            "deactivate it first",
            field="priority",
        )


def create_policy(session: Session, *, data: PolicyCreate, actor: StaffUser) -> SlaPolicy:
    row = SlaPolicy(**data.model_dump())
    _check_policy(session, row)
    session.add(row)
    session.flush()
    _audit(session, actor, "sla.policy.create", "sla_policy", row.id, data.model_dump(mode="json"))
    return row


def update_policy(
    session: Session, *, policy_id: int, data: PolicyUpdate, actor: StaffUser
) -> SlaPolicy:
    row = get_policy(session, policy_id)
    changes = data.model_dump(exclude_unset=True)
    for key in (
        "name",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "warn_before_minutes",
        "active",
    ):
        if key in changes and changes[key] is None:
            raise ValidationFailed(f"{key} cannot be null", field=key)
    with session.no_autoflush:
        for key, value in changes.items():
            setattr(row, key, value)
        _check_policy(session, row)
    session.flush()
    _audit(
        session,
        actor,
        "sla.policy.update",
        "sla_policy",
        row.id,
        data.model_dump(mode="json", exclude_unset=True),
    )
    return row


def _audit(
    session: Session,
    actor: StaffUser,
    action: str,
    entity_type: str,
    entity_id: int,
    details: dict[str, Any],
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        details=details,
    )
