"""Per-agent exposure to abuse equals what the database says, week on week; managers only."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.db.base import utcnow
from fairdesk.fairness.protection import exposure
from fairdesk.tickets.models import Message, MessageKind, Ticket
from fairdesk.tickets.service import reply
from fairdesk.triage.models import MessageTriage
from tests.conftest import login
from tests.factories import make_customer, make_token, make_user
from tests.fairness.protection.helpers import write

THREAT = "I know where you live, watch your back."
INSULT = "You stupid cow, refund me now."
POLITE = "Could you tell me when my parcel will arrive? Thank you."


def _straight_counts(session: Session, since: datetime, until: datetime) -> dict[int, int]:
    """Abusive customer messages per receiving staff member, by one SQL aggregate."""
    staff = union(
        select(Ticket.id.label("ticket_id"), Ticket.assignee_id.label("staff_id")).where(
            Ticket.assignee_id.is_not(None)
        ),
        select(Message.ticket_id, Message.author_staff_id).where(
            Message.kind.in_(["reply", "note"]), Message.author_staff_id.is_not(None)
        ),
    ).subquery()
    rows = session.execute(
        select(staff.c.staff_id, func.count(func.distinct(Message.id)))
        .join(MessageTriage, MessageTriage.message_id == Message.id)
        .join(staff, staff.c.ticket_id == Message.ticket_id)
        .where(
            Message.kind == MessageKind.CUSTOMER,
            or_(MessageTriage.abusive, MessageTriage.threat),
            Message.created_at >= since,
            Message.created_at < until,
        )
        .group_by(staff.c.staff_id)
    ).all()
    return {int(s): int(n) for s, n in rows}


def test_exposure_equals_the_database(session: Session) -> None:
    now = utcnow()
    ann = make_user(session, name="Ann")
    bob = make_user(session, name="Bob")
    cat = make_user(session, name="Cat")
    x, y = make_customer(session), make_customer(session)
    # Ann holds X's ticket: an insult ten days ago, a threat two days ago.
    first = write(session, x, INSULT, at=now - timedelta(days=10)).ticket
    first.assignee_id = ann.id
    write(session, x, THREAT, at=now - timedelta(days=2), into=first.id)
    # Bob answered Y's ticket (held by Cat): an insult this week; a polite one for Cat too.
    second = write(session, y, INSULT, at=now - timedelta(days=1)).ticket
    second.assignee_id = cat.id
    reply(session, ticket_id=second.id, author=bob, body="We are on it.")
    write(session, y, POLITE, at=now - timedelta(hours=3))
    session.flush()

    board = {e.staff_id: e for e in exposure.exposure_board(session, now=now, weeks=8)}
    assert _straight_counts(session, now - 8 * exposure.WEEK, now) == {
        sid: e.messages for sid, e in board.items() if e.messages
    }
    assert board[ann.id].messages == 2 and board[ann.id].threats == 1
    assert board[ann.id].severity == 3 + 1 and board[ann.id].worst == "threat"
    assert board[ann.id].this_week == 1 and board[ann.id].last_week == 1
    assert board[ann.id].trend == 0
    assert board[bob.id].messages == board[cat.id].messages == 1
    assert board[bob.id].this_week == 1 and board[bob.id].trend == 1
    assert len(board[ann.id].customers) == 1
    this_week = _straight_counts(session, now - exposure.WEEK, now)
    assert {sid: e.this_week for sid, e in board.items() if e.this_week} == this_week
    # Most exposed first.
    assert exposure.exposure_board(session, now=now)[0].staff_id == ann.id


def test_board_and_api_are_for_managers_only(
    client: TestClient, session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    now = utcnow()
    ticket = write(session, make_customer(session), THREAT, at=now - timedelta(hours=1)).ticket
    ticket.assignee_id = agent.id
    session.flush()
    api = "/api/v1/protection/exposure"
    as_agent = {"Authorization": f"Bearer {make_token(session, agent)}"}
    as_manager = {"Authorization": f"Bearer {make_token(session, manager)}"}
    assert client.get(api, headers=as_agent).status_code == 403
    rows = {r["staff_id"]: r for r in client.get(api, headers=as_manager).json()}
    assert rows[agent.id]["messages"] == 1 and rows[agent.id]["worst"] == "threat"
    assert rows[agent.id]["this_week"] == 1 and rows[agent.id]["weekly"][-1] == 1
    login(client, agent)
    assert client.get("/fairness/exposure").status_code == 403
    login(client, manager)
    page = client.get("/fairness/exposure")
    assert page.status_code == 200 and agent.name in page.text and "Staff exposure" in page.text
