"""The inbox sorts and filters by triage (urgency, sentiment, abuse), with the same results on
the fast page path as the plain service query, and reads its filters strictly."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.db.base import utcnow
from fairdesk.tickets import inbox_query
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.models import Ticket
from fairdesk.tickets.service import InboxQuery, InboxSort, InboxView, SentimentBand
from fairdesk.triage.models import TicketTriage
from fairdesk.triage.result import UrgencyLevel
from tests.conftest import login
from tests.factories import make_customer
from tests.fairness.protection.helpers import write

# (urgency, level, sentiment, abusive) per ticket; None: never triaged.
SHAPES: list[tuple[float, str, float, bool] | None] = [
    (0.9, "urgent", -0.8, False),
    (0.1, "normal", 0.6, False),
    (0.5, "high", -0.3, True),
    (0.9, "urgent", 0.0, False),
    None,
    (0.0, "normal", -0.9, False),
]


@pytest.fixture()
def tickets(session: Session) -> list[Ticket]:
    customer = make_customer(session)
    made = []
    for i, shape in enumerate(SHAPES):
        ticket = write(session, customer, f"Question number {i} about my order.").ticket
        summary = session.get(TicketTriage, ticket.id)
        assert summary is not None
        if shape is None:
            session.delete(summary)
        else:
            summary.urgency, summary.urgency_level, summary.sentiment, summary.abusive = shape
        made.append(ticket)
    session.flush()
    return made


def _expected(tickets: list[Ticket], sort: InboxSort) -> list[int]:
    shaped = [(t.id, s) for t, s in zip(tickets, SHAPES, strict=True)]
    triaged = [(tid, s) for tid, s in shaped if s is not None]
    rest = sorted(tid for tid, s in shaped if s is None)
    if sort is InboxSort.URGENCY:
        return [tid for tid, s in sorted(triaged, key=lambda x: (-x[1][0], -x[0]))] + rest[::-1]
    return [tid for tid, s in sorted(triaged, key=lambda x: (x[1][2], x[0]))] + rest


@pytest.mark.parametrize("sort", [InboxSort.URGENCY, InboxSort.SENTIMENT])
def test_triage_sorts_agree_with_the_scores_on_every_path(
    session: Session,
    agent: StaffUser,
    tickets: list[Ticket],
    sort: InboxSort,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    want = _expected(tickets, sort)
    # With a condition on the ticket (the walk joins it) and without (the index alone).
    for query in (
        InboxQuery(view=InboxView.ALL, sort=sort, customer_id=tickets[0].customer_id),
        InboxQuery(view=InboxView.ALL, sort=sort),
    ):
        _check_paths(session, agent, query, want, monkeypatch)


def _check_paths(
    session: Session,
    agent: StaffUser,
    query: InboxQuery,
    want: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows, total = ticket_service.list_tickets(
        session, query=query, viewer=agent, limit=50, offset=0
    )
    assert [t.id for t in rows] == want and total == len(SHAPES)
    now = utcnow()
    # The collected-and-sorted path (few matches) and the index walk (many), page by page.
    for small in (inbox_query.SMALL_SET, 0):
        monkeypatch.setattr(inbox_query, "SMALL_SET", small)
        got: list[int] = []
        for offset in range(0, len(SHAPES), 4):
            page, n = inbox_query.list_page(
                session, query=query, viewer=agent, limit=4, offset=offset, now=now
            )
            got += [t.id for t in page]
            assert n == len(SHAPES)
        assert got == want, small
    # A page entirely past the triaged tickets: only the untriaged one.
    monkeypatch.setattr(inbox_query, "SMALL_SET", 0)
    last, _ = inbox_query.list_page(session, query=query, viewer=agent, limit=2, offset=5, now=now)
    assert [t.id for t in last] == want[5:]
    monkeypatch.undo()


def test_triage_filters(session: Session, agent: StaffUser, tickets: list[Ticket]) -> None:
    base = {"view": InboxView.ALL, "customer_id": tickets[0].customer_id}
    ids = {t.id: i for i, t in enumerate(tickets)}

    def found(**kw: object) -> set[int]:
        query = InboxQuery(**base, **kw)  # type: ignore[arg-type]
        rows, _ = inbox_query.list_page(
            session, query=query, viewer=agent, limit=50, offset=0, now=utcnow()
        )
        return {ids[t.id] for t in rows}

    assert found(urgency=UrgencyLevel.URGENT) == {0, 3}
    assert found(urgency=UrgencyLevel.HIGH) == {2}
    assert found(sentiment=SentimentBand.NEGATIVE) == {0, 2, 5}
    assert found(sentiment=SentimentBand.POSITIVE) == {1}
    assert found(sentiment=SentimentBand.NEUTRAL) == {3}
    assert found(abusive=True) == {2}
    assert found(urgency=UrgencyLevel.URGENT, sentiment=SentimentBand.NEGATIVE) == {0}
    # A narrower view looks each ticket's summary up instead: the same answers.
    base["view"] = InboxView.OPEN
    assert found(urgency=UrgencyLevel.URGENT) == {0, 3}
    assert found(sentiment=SentimentBand.NEGATIVE, abusive=True) == {2}
    assert found(sentiment=SentimentBand.NEUTRAL, sort=InboxSort.SENTIMENT) == {3}


def test_inbox_page_sorts_filters_and_marks(
    client: TestClient, session: Session, agent: StaffUser, tickets: list[Ticket]
) -> None:
    login(client, agent)
    cid = tickets[0].customer_id
    html = client.get("/inbox?view=all&sort=urgency&q=").text
    refs = [t.reference for t in tickets]
    order = [tid for tid in _expected(tickets, InboxSort.URGENCY)]
    by_id = {t.id: t.reference for t in tickets}
    positions = [html.index(by_id[tid]) for tid in order]
    assert positions == sorted(positions)
    urgent = client.get("/inbox?view=all&urgency=urgent").text
    assert {r for r in refs if r in urgent} == {refs[0], refs[3]}
    upset = client.get("/inbox?view=all&sentiment=negative&sort=sentiment").text
    shown = [r for r in refs if r in upset]
    assert sorted(shown, key=upset.index) == [refs[5], refs[0], refs[2]]
    abusive = client.get("/inbox?view=all&abuse=1").text
    assert [r for r in refs if r in abusive] == [refs[2]]
    assert "⚠ <span>abusive</span>" in abusive
    assert session.scalar(select(Ticket.customer_id).where(Ticket.id == tickets[2].id)) == cid


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=angriest", "sort"),
        ("urgency=panic", "urgency"),
        ("sentiment=sad", "sentiment"),
        ("abuse=yes", "abuse"),
    ],
)
def test_bad_filters_are_named(
    client: TestClient, agent: StaffUser, query: str, field: str
) -> None:
    login(client, agent)
    resp = client.get(f"/inbox?{query}")
    assert resp.status_code == 422 and field in resp.text
