"""The SLA watch over business hours and pauses: warned once, breached once, told right."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets import sla_watch
from fairdesk.tickets.assignment import set_availability
from fairdesk.tickets.away import set_team_lead
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import (
    IntakeChannel,
    Message,
    MessageKind,
    Priority,
    SlaCalendar,
    SlaPolicy,
    Ticket,
    TicketStatus,
)
from fairdesk.tickets.service import change_status, reply
from tests.conftest import _drop_pg_database, _fresh_pg_database, _worker
from tests.factories import make_user

FRI_16 = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # London is on GMT in November
MON = datetime(2026, 11, 23, tzinfo=UTC)


def _office_policy(session: Session, **kw: object) -> SlaPolicy:
    """Mon-Fri 09:00-17:00 London; normal priority: answer in 4 h, solve in 16 h, warn 30 min."""
    cal = SlaCalendar(
        name=f"office-{kw.get('name', 'x')}",
        timezone="Europe/London",
        hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        holidays=[],
    )
    session.add(cal)
    session.flush()
    fields: dict[str, object] = {
        "name": "normal",
        "priority": Priority.NORMAL,
        "first_response_minutes": 240,
        "resolution_minutes": 960,
        "warn_before_minutes": 30,
        "calendar_id": cal.id,
    }
    fields.update(kw)
    policy = SlaPolicy(**fields)
    session.add(policy)
    session.flush()
    return policy


def _ticket(session: Session, now: datetime, email: str = "late@example.com") -> Ticket:
    return receive(
        session,
        Incoming(channel=IntakeChannel.WEB, email=email, subject="Where is my coffee", body="?"),
        now=now,
    ).ticket


def _keys(session: Session, ticket: Ticket) -> set[str]:
    rows = session.scalars(
        select(OutboxItem.dedup_key).where(OutboxItem.dedup_key.like(f"sla-%:{ticket.id}:%"))
    ).all()
    return {k for k in rows if k is not None}


def _sla_events(session: Session, ticket: Ticket) -> list[str]:
    rows = session.scalars(
        select(Message)
        .where(Message.ticket_id == ticket.id, Message.kind == MessageKind.EVENT)
        .order_by(Message.id)
    ).all()
    return [
        f"{m.meta['event']}:{m.meta['target']}"
        for m in rows
        if str(m.meta.get("event", "")).startswith("sla_")
    ]


@pytest.fixture()
def team(session: Session) -> tuple[StaffUser, StaffUser, StaffUser]:
    """One agent in the rotation, their team lead, and a manager who is not their lead."""
    agent = make_user(session, role=Role.AGENT)
    lead = make_user(session, role=Role.AGENT)
    manager = make_user(session, role=Role.MANAGER)
    set_availability(session, staff_id=agent.id, available=True)
    set_team_lead(session, staff_id=agent.id, team_lead_id=lead.id, actor=manager)
    return agent, lead, manager


def test_warned_once_then_breached_once_across_a_weekend(
    session: Session, team: tuple[StaffUser, StaffUser, StaffUser]
) -> None:
    agent, lead, manager = team
    _office_policy(session)
    ticket = _ticket(session, FRI_16)
    assert ticket.assignee_id == agent.id
    # 1 h on Friday and 3 h on Monday.
    assert ticket.first_response_due_at == MON.replace(hour=12)
    quiet = [
        FRI_16 + timedelta(minutes=50),
        MON - timedelta(hours=12),
        MON.replace(hour=11, minute=29),
    ]
    for now in quiet:
        assert sla_watch.run(session, now=now).warned == 0
    warned = sla_watch.run(session, now=MON.replace(hour=11, minute=31))
    assert (warned.warned, warned.breached, warned.emails) == (1, 0, 2)
    assert _keys(session, ticket) == {
        f"sla-warn:first:{ticket.id}:{agent.id}",
        f"sla-warn:first:{ticket.id}:{lead.id}",
    }
    assert sla_watch.run(session, now=MON.replace(hour=11, minute=50)).warned == 0
    breached = sla_watch.run(session, now=MON.replace(hour=12, minute=1))
    assert (breached.warned, breached.breached) == (0, 1)
    assert ticket.first_response_breached is True and ticket.resolution_breached is None
    assert f"sla-breach:first:{ticket.id}:{lead.id}" in _keys(session, ticket)
    assert not any(k.endswith(f":{manager.id}") for k in _keys(session, ticket))
    assert sla_watch.run(session, now=MON.replace(hour=15)).breached == 0
    assert _sla_events(session, ticket) == ["sla_warn:first", "sla_breach:first"]
    mail = session.scalar(
        select(OutboxItem).where(OutboxItem.dedup_key == f"sla-breach:first:{ticket.id}:{agent.id}")
    )
    assert mail is not None and mail.payload["to"] == agent.email
    assert ticket.reference in mail.payload["subject"]


def test_warning_counts_business_time_so_it_comes_before_the_weekend(
    session: Session, team: tuple[StaffUser, StaffUser, StaffUser]
) -> None:
    _office_policy(session)
    ticket = _ticket(session, FRI_16 - timedelta(hours=2, minutes=50))  # Friday 13:10
    assert ticket.first_response_due_at == MON.replace(hour=9, minute=10)
    assert sla_watch.run(session, now=FRI_16 + timedelta(minutes=35)).warned == 0
    assert sla_watch.run(session, now=FRI_16 + timedelta(minutes=45)).warned == 1


def test_a_paused_ticket_neither_warns_nor_breaches(
    session: Session, team: tuple[StaffUser, StaffUser, StaffUser]
) -> None:
    agent, _, _ = team
    _office_policy(session)
    ticket = _ticket(session, MON.replace(hour=9))
    change_status(
        session, ticket=ticket, actor=agent, status=TicketStatus.PENDING, now=MON.replace(hour=10)
    )
    for hours in (13, 40, 100):
        report = sla_watch.run(session, now=MON.replace(hour=9) + timedelta(hours=hours))
        assert (report.warned, report.breached) == (0, 0)
    # The customer writes back on Wednesday 10:00: the clock resumes with 3 h left.
    wed_10 = MON.replace(hour=10) + timedelta(days=2)
    receive(
        session,
        Incoming(
            channel=IntakeChannel.WEB,
            body="any news?",
            into_ticket_id=ticket.id,
            email="late@example.com",
        ),
        now=wed_10,
    )
    assert ticket.status == TicketStatus.OPEN
    assert ticket.first_response_due_at == wed_10 + timedelta(hours=3)
    assert sla_watch.run(session, now=wed_10 + timedelta(hours=2)).warned == 0
    assert sla_watch.run(session, now=wed_10 + timedelta(hours=3, minutes=1)).breached == 1


def test_nothing_after_the_answer_or_the_resolution(
    session: Session, team: tuple[StaffUser, StaffUser, StaffUser]
) -> None:
    agent, _, _ = team
    _office_policy(session)
    answered = _ticket(session, MON.replace(hour=9), email="answered@example.com")
    solved = _ticket(session, MON.replace(hour=9), email="solved@example.com")
    reply(
        session,
        ticket_id=answered.id,
        author=agent,
        body="On its way",
        status_after=TicketStatus.OPEN,
        now=MON.replace(hour=10),
    )
    change_status(
        session, ticket=solved, actor=agent, status=TicketStatus.RESOLVED, now=MON.replace(hour=10)
    )
    # First response is met for both; only the answered one still has a resolution deadline.
    report = sla_watch.run(session, now=MON.replace(hour=12, minute=30))
    assert (report.warned, report.breached) == (0, 0)
    late = sla_watch.run(session, now=MON + timedelta(days=7))
    assert late.tickets == [answered.id] and late.breached == 1
    assert answered.resolution_breached is True and answered.first_response_breached is False
    assert solved.resolution_breached is False and _keys(session, solved) == set()


def test_an_unassigned_ticket_tells_every_manager(session: Session) -> None:
    managers = [make_user(session, role=Role.MANAGER) for _ in range(2)]
    bystander = make_user(session, role=Role.AGENT)  # not in the rotation: nobody takes tickets
    ticket = _ticket(session, MON.replace(hour=9))  # no policy: 8 h around the clock
    assert ticket.assignee_id is None
    report = sla_watch.run(session, now=MON.replace(hour=17, minute=1))
    assert report.breached == 1
    keys = _keys(session, ticket)
    assert {f"sla-breach:first:{ticket.id}:{m.id}" for m in managers} <= keys
    assert not any(k.endswith(f":{bystander.id}") for k in keys)


def test_a_breach_found_late_does_not_also_warn(
    session: Session, team: tuple[StaffUser, StaffUser, StaffUser]
) -> None:
    _office_policy(session)
    ticket = _ticket(session, MON.replace(hour=9))
    report = sla_watch.run(session, now=MON + timedelta(days=1, hours=12))
    assert (report.warned, report.breached) == (0, 1)
    assert _sla_events(session, ticket) == ["sla_breach:first"]


@pytest.fixture(params=["sqlite", "postgresql"])
def committed_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own whose rows are committed, as two job processes would see them."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'watch.db'}"
    else:
        url = _fresh_pg_database(f"fairdesk_test_{_worker()}_watch")
    engine = build_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    if request.param == "postgresql":
        _drop_pg_database(str(engine.url.database))


def test_two_watchers_at_once_notify_once(committed_engine: Engine) -> None:
    with unit_of_work(committed_engine) as session:
        make_user(session, role=Role.MANAGER)
        ids = [
            _ticket(session, MON.replace(hour=9), email=f"c{i}@example.com").id for i in range(12)
        ]
    start = threading.Barrier(2)
    reports: list[sla_watch.WatchReport] = []
    errors: list[BaseException] = []

    def watch() -> None:
        try:
            start.wait()
            with unit_of_work(committed_engine) as session:
                reports.append(sla_watch.run(session, now=MON.replace(hour=17, minute=30)))
        except BaseException as exc:  # surfaced below with the thread's own traceback
            errors.append(exc)

    threads = [threading.Thread(target=watch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r.breached for r in reports) == len(ids)
    with unit_of_work(committed_engine) as session:
        events = session.scalar(
            select(func.count()).select_from(Message).where(Message.body.like("SLA breached%"))
        )
        mails = session.scalar(
            select(func.count())
            .select_from(OutboxItem)
            .where(OutboxItem.dedup_key.like("sla-breach:%"))
        )
        flagged = session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.first_response_breached.is_(True))
        )
    assert events == mails == flagged == len(ids)


def test_the_jobs_command_runs_the_watch_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from fairdesk.cli import app
    from fairdesk.config import get_settings

    monkeypatch.setenv("FAIRDESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("FAIRDESK_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        engine = build_engine(get_settings().resolved_database_url)
        upgrade(engine)
        with unit_of_work(engine) as session:
            make_user(session, role=Role.MANAGER)
            _ticket(session, datetime(2020, 1, 6, 9, 0, tzinfo=UTC))  # long overdue
        engine.dispose()
        runner = CliRunner()
        first = runner.invoke(app, ["jobs", "run", "--once"])
        assert first.exit_code == 0, first.output
        assert "0 warned, 2 breached, 2 e-mails queued" in first.output  # both deadlines
        again = runner.invoke(app, ["jobs", "run", "--once"])
        assert "0 warned, 0 breached" in again.output
    finally:
        get_settings.cache_clear()
