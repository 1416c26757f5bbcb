"""The agent inbox: views, counts, filters, sort, pages and SLA markers, on both databases."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.config import Settings
from fairdesk.db.base import utcnow
from fairdesk.db.registry import Base
from fairdesk.tickets import inbox_query, sla_marks
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.models import IntakeChannel, Priority, Ticket, TicketStatus
from fairdesk.tickets.service import InboxQuery, InboxSort, InboxView
from tests.conftest import TEST_SECRET, login
from tests.factories import make_customer, make_user
from tests.web.ticket_helpers import new_ticket

PAGE_SIZE = 3
REF_RE = re.compile(r'<td class="ref"><a href="/tickets/\d+">(FD-[A-Z0-9]+)</a>')


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=TEST_SECRET, page_size=PAGE_SIZE)


@pytest.fixture()
def staff(client: TestClient, agent: StaffUser) -> TestClient:
    login(client, agent)
    return client


def _refs(html: str) -> list[str]:
    return REF_RE.findall(html)


def _count(html: str, label: str) -> int:
    found = re.search(rf'>{label} <span class="count">([\d,]+)</span>', html)
    assert found is not None, label
    return int(found.group(1).replace(",", ""))


@pytest.fixture()
def mark() -> str:
    """A word only this test's tickets carry, so views are checked through a search that
    rows left by other tests cannot enter."""
    return "qz" + uuid.uuid4().hex[:10]


def _queue(session: Session, agent: StaffUser, mark: str) -> dict[str, str]:
    """Five tickets, one per situation an inbox must tell apart; name -> reference."""
    now = utcnow()
    other = make_user(session)
    customer = make_customer(session, first_name="Queue", last_name="Person")

    def make(name: str, **kw: Any) -> Ticket:
        return new_ticket(session, customer, subject=f"{name} {mark}", **kw)

    made = {
        "breached": make("late", at=now - timedelta(hours=10)),
        "soon": make(
            "soon",
            at=now - timedelta(hours=7, minutes=30),
            assignee_id=agent.id,
            status=TicketStatus.OPEN,
        ),
        "calm": make(
            "calm", at=now, assignee_id=other.id, priority=Priority.HIGH, channel=IntakeChannel.WEB
        ),
        "solved": make("done", at=now - timedelta(days=3), status=TicketStatus.RESOLVED),
        "waiting": make(
            "waiting",
            at=now - timedelta(hours=9),
            assignee_id=agent.id,
            status=TicketStatus.PENDING,
            sla_paused_at=now - timedelta(hours=8, minutes=30),
        ),
    }
    return {k: t.reference for k, t in made.items()}


@pytest.fixture()
def queue(session: Session, agent: StaffUser, mark: str) -> dict[str, str]:
    return _queue(session, agent, mark)


@pytest.mark.parametrize("path", ["/inbox", "/inbox?view=all"])
def test_inbox_needs_login(client: TestClient, path: str) -> None:
    resp = client.get(path, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("mine", {"soon", "waiting"}),
        ("unassigned", {"breached"}),
        ("due_soon", {"soon"}),
        ("breached", {"breached"}),
        ("open", {"breached", "soon", "calm", "waiting"}),
        ("all", {"breached", "soon", "calm", "solved", "waiting"}),
    ],
)
def test_each_view_lists_its_tickets(
    staff: TestClient, queue: dict[str, str], mark: str, view: str, expected: set[str]
) -> None:
    shown: set[str] = set()
    for page in (1, 2):
        params = {"view": view, "q": mark, "sort": "-created", "page": str(page)}
        shown |= set(_refs(staff.get("/inbox", params=params).text))
    assert shown == {queue[k] for k in expected}


LABELS = ("Mine", "Unassigned", "Due soon", "Breached", "Open", "All")


def test_view_tabs_show_counts(
    staff: TestClient, session: Session, agent: StaffUser, mark: str
) -> None:
    before = staff.get("/inbox").text
    _queue(session, agent, mark)
    after = staff.get("/inbox").text
    assert [_count(after, x) - _count(before, x) for x in LABELS] == [2, 1, 1, 1, 4, 5]
    assert 'aria-current="page">Open' in after


def test_rows_say_who_what_and_when(
    staff: TestClient, queue: dict[str, str], mark: str, agent: StaffUser
) -> None:
    html = staff.get("/inbox", params={"view": "open", "q": mark}).text
    html += staff.get("/inbox", params={"view": "open", "q": mark, "page": 2}).text
    rows = {
        ref: row
        for row in html.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
        for ref in REF_RE.findall(row)
    }
    late, soon, waiting = rows[queue["breached"]], rows[queue["soon"]], rows[queue["waiting"]]
    assert "breached 2 h ago" in late and "sla-breached" in late
    assert "Queue Person" in late and "unassigned" in late and ">email<" in late
    assert re.search(r"due in (29|30) min", soon) and "sla-soon" in soon
    assert agent.name in soon and ">open<" in soon
    assert "paused: waiting on the customer" in waiting and ">pending<" in waiting


def test_filters_narrow(staff: TestClient, queue: dict[str, str], mark: str) -> None:
    def refs(**params: str) -> set[str]:
        return set(_refs(staff.get("/inbox", params={"view": "all", **params}).text))

    assert refs(status="pending", q=mark) == {queue["waiting"]}
    assert refs(priority="high", q=mark) == {queue["calm"]}
    assert refs(channel="web", q=mark) == {queue["calm"]}
    assert refs(q=queue["solved"].lower()) == {queue["solved"]}
    assert refs(q=f"WAITING {mark.upper()}") == {queue["waiting"]}
    assert refs(q="nothing like this") == set()
    assert (
        "No tickets in this view match these filters"
        in staff.get("/inbox", params={"q": "nothing like this"}).text
    )


def test_sorts(staff: TestClient, queue: dict[str, str], mark: str) -> None:
    def order(sort: str) -> list[str]:
        return _refs(staff.get("/inbox", params={"view": "open", "sort": sort, "q": mark}).text)

    # The service's due order: by the stored deadline, a paused one included.
    assert order("due") == [queue["breached"], queue["waiting"], queue["soon"]]
    assert order("-created")[0] == queue["calm"]
    assert order("created")[-1] != queue["calm"]
    assert order("priority")[0] == queue["calm"]


def test_pages_keep_filters_and_stop_at_the_end(
    staff: TestClient, session: Session, mark: str
) -> None:
    customer = make_customer(session)
    now = utcnow()
    for i in range(7):
        new_ticket(session, customer, subject=f"{mark} {i}", at=now - timedelta(minutes=i))
    first = staff.get("/inbox", params={"q": mark, "sort": "-created"}).text
    assert "Showing 1–3 of 7 tickets" in first
    assert f'href="/inbox?q={mark}&amp;sort=-created&amp;page=2" rel="next"' in first
    last = staff.get("/inbox", params={"q": mark, "sort": "-created", "page": 3}).text
    assert "Showing 7–7 of 7 tickets" in last and len(_refs(last)) == 1
    seen: set[str] = set()
    for page in (1, 2, 3):
        seen |= set(_refs(staff.get("/inbox", params={"q": mark, "page": page}).text))
    assert len(seen) == 7
    past = staff.get("/inbox", params={"q": mark, "page": 9}, follow_redirects=False)
    assert past.status_code == 303 and past.headers["location"] == f"/inbox?q={mark}&page=3"


def test_customer_text_is_escaped(staff: TestClient, session: Session, mark: str) -> None:
    customer = make_customer(session, first_name="<b>Bold</b>", last_name="<i>x</i>")
    new_ticket(session, customer, subject=f'<script>alert("x")</script> {mark}')
    html = staff.get("/inbox", params={"q": mark}).text
    assert len(_refs(html)) == 1
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)" in html
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt;" in html


def test_empty_view(staff: TestClient) -> None:
    html = staff.get("/inbox", params={"view": "mine"}).text  # a new agent owns nothing
    assert "No tickets in this view." in html and _count(html, "Mine") == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"view": "everything"}, "view"),
        ({"status": "lost"}, "status"),
        ({"priority": "meh"}, "priority"),
        ({"channel": "fax"}, "channel"),
        ({"sort": "random"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "99999999999999999999"}, "page"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_query_is_a_clear_422(staff: TestClient, params: dict[str, str], field: str) -> None:
    resp = staff.get("/inbox", params=params)
    assert resp.status_code == 422
    assert field in resp.text and "We could not do that" in resp.text


@pytest.fixture()
def mixed(session: Session, agent: StaffUser, mark: str) -> list[Ticket]:
    """Forty tickets over every status, priority and deadline, some sharing a creation time
    and some without any deadline, so every tie-break and NULL rule is exercised."""
    now = utcnow()
    customer = make_customer(session)
    statuses = list(TicketStatus)
    made = []
    for i in range(40):
        at = now - timedelta(hours=(i * 7) % 30, minutes=0 if i % 5 == 0 else i)
        ticket = new_ticket(
            session,
            customer,
            subject=f"mixed {i} {mark}",
            at=at,
            priority=list(Priority)[i % 4],
            channel=list(IntakeChannel)[i % 5],
            status=statuses[i % 5],
            assignee_id=agent.id if i % 3 == 0 else None,
        )
        if i % 4 == 1:
            ticket.first_responded_at = at + timedelta(minutes=30)
        if i % 11 == 0:
            ticket.first_response_due_at = ticket.resolution_due_at = None
        if i % 7 == 2:
            ticket.sla_paused_at = at
        made.append(ticket)
    session.flush()
    return made


@pytest.mark.parametrize("narrow", [True, False], ids=["searched", "whole-queue"])
@pytest.mark.parametrize("small_set", [10_000, 0], ids=["sort-found", "walk-index"])
def test_page_query_matches_the_service(
    session: Session,
    agent: StaffUser,
    mixed: list[Ticket],
    mark: str,
    small_set: int,
    narrow: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The indexed page query returns what ``ticket_service.list_tickets`` defines, for every
    view and sort, page by page (near the end too), whichever plan it picks."""
    monkeypatch.setattr(inbox_query, "SMALL_SET", small_set)
    monkeypatch.setattr(inbox_query, "SEARCH_SET", small_set)
    now = utcnow()
    for view in InboxView:
        for sort in InboxSort:
            query = InboxQuery(view=view, sort=sort, q=mark if narrow else None)
            total = ticket_service.list_tickets(
                session, query=query, viewer=agent, limit=1, offset=0, now=now
            )[1]
            for offset in sorted({0, 7, 14, 35, max(0, total - 9), max(0, total - 7), total + 3}):
                want, want_total = ticket_service.list_tickets(
                    session, query=query, viewer=agent, limit=7, offset=offset, now=now
                )
                got, got_total = inbox_query.list_page(
                    session, query=query, viewer=agent, limit=7, offset=offset, now=now
                )
                where = (view, sort, offset)
                assert [t.id for t in got] == [t.id for t in want], where
                assert got_total == want_total, where


def test_view_counts_match_the_service(
    session: Session, agent: StaffUser, mixed: list[Ticket]
) -> None:
    now = utcnow()
    assert inbox_query.view_counts(session, viewer=agent, now=now) == ticket_service.view_counts(
        session, viewer=agent, now=now
    )


def test_a_whole_reference_is_found_through_its_index(
    session: Session, agent: StaffUser, mixed: list[Ticket]
) -> None:
    wanted = mixed[3]
    for typed in (wanted.reference, wanted.reference.lower(), f"  {wanted.reference} "):
        got, total = inbox_query.list_page(
            session,
            query=InboxQuery(view=InboxView.ALL, q=typed),
            viewer=agent,
            limit=5,
            offset=0,
            now=utcnow(),
        )
        assert [t.id for t in got] == [wanted.id] and total == 1


@pytest.mark.parametrize("backwards", [False, True], ids=["from-start", "from-end"])
@pytest.mark.parametrize(
    ("view", "sort", "index"),
    [
        (InboxView.ALL, InboxSort.DUE, "ix_ticket_next_due"),
        (InboxView.ALL, InboxSort.PRIORITY, "ix_ticket_priority_rank"),
        (InboxView.ALL, InboxSort.OLDEST, "ix_ticket_created_id"),
        (InboxView.OPEN, InboxSort.NEWEST, "ix_ticket_open_created"),
    ],
)
def test_migration_indexes_serve_the_page_queries(
    session: Session,
    agent: StaffUser,
    view: InboxView,
    sort: InboxSort,
    index: str,
    backwards: bool,
) -> None:
    """The indexes of migration 0003_pages must keep matching the expressions the page sends,
    read from either end: a drift on either side would silently turn an index walk into a
    sort of every ticket."""
    keys = inbox_query.SORT_KEYS[sort]
    if backwards:
        keys = tuple(k.flipped() for k in keys)
    stmt = (
        select(Ticket.id)
        .where(
            *inbox_query.conditions(
                InboxQuery(view=view, sort=sort), agent, utcnow(), session.get_bind().dialect.name
            )
        )
        .order_by(*(k.on(k.expr) for k in keys))
        .limit(50)
        .offset(1000)
    )
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    if session.get_bind().dialect.name == "sqlite":
        # INDEXED BY fails outright if the index cannot serve the query.
        sql = str(compiled).replace("FROM ticket", f"FROM ticket INDEXED BY {index}", 1)
        plan = " ".join(str(r[-1]) for r in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        assert "TEMP B-TREE" not in plan, plan  # the index gives the order: no sort
    else:  # tiny test tables: forbid the alternatives so only a matching index can be used
        for setting in (
            "enable_seqscan",
            "enable_sort",
            "enable_bitmapscan",
            "enable_incremental_sort",
        ):
            session.execute(text(f"SET LOCAL {setting} = off"))
        plan = " ".join(str(r[0]) for r in session.execute(text(f"EXPLAIN {compiled}")))
    assert index in plan, plan


NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@given(minutes=st.integers(min_value=-60 * 24 * 400, max_value=60 * 24 * 400))
def test_deadline_marker_says_breached_exactly_when_past(minutes: int) -> None:
    mark = sla_marks.deadline_mark(NOW + timedelta(minutes=minutes, seconds=1), NOW)
    assert mark.label.startswith("breached") == (minutes < 0)
    assert (mark.tone is sla_marks.Tone.BREACHED) == (minutes < 0)
    assert (mark.tone is sla_marks.Tone.SOON) == (0 <= minutes < 120)
    paused = sla_marks.deadline_mark(NOW + timedelta(minutes=minutes), NOW, paused=True)
    assert paused.tone is sla_marks.Tone.PAUSED


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(seconds=20), "1 min"),
        (timedelta(minutes=35), "35 min"),
        (timedelta(minutes=89), "89 min"),
        (timedelta(minutes=90), "1 h"),
        (timedelta(hours=47, minutes=59), "47 h"),
        (timedelta(hours=48), "2 d"),
        (timedelta(days=-3), "3 d"),
    ],
)
def test_span_reads_at_a_glance(delta: timedelta, words: str) -> None:
    assert sla_marks.span(delta) == words


@pytest.mark.filterwarnings(  # SQLite cannot reflect expression indexes: they are skipped
    "ignore::sqlalchemy.exc.SAWarning", "ignore:autogenerate skipping:UserWarning"
)
def test_metadata_and_migration_agree_on_the_page_indexes(session: Session) -> None:
    """Autogenerate must not offer to drop or re-create the indexes of 0003_pages."""
    context = MigrationContext.configure(session.connection())
    names = {str(index.name) for index in inbox_query.INDEXES}
    diff = [d for d in compare_metadata(context, Base.metadata) if any(n in str(d) for n in names)]
    assert diff == []


SEARCH_SUBJECTS = (
    "Parcel 50% off? Not quite",
    "under_score in the subject",
    'Quote "this" please',
    "Back\\slash delivery",
    "Late parcel, again",
)


@pytest.fixture()
def searchable(session: Session, mark: str) -> list[Ticket]:
    customer = make_customer(session)
    made = [new_ticket(session, customer, subject=f"{s} {mark}") for s in SEARCH_SUBJECTS]
    made.append(new_ticket(session, customer, subject="Renamed later"))
    made[-1].subject = f"Now about a refund {mark}"  # the SQLite search table follows renames
    session.flush()
    return made


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    term=st.sampled_from(["50%", "%", "_", "r_s", '"this"', "\\s", "late", "REFUND", "ParCel"])
    | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=6)
)
def test_subject_search_matches_the_typed_text_literally(
    session: Session, agent: StaffUser, searchable: list[Ticket], term: str
) -> None:
    """``%``, ``_``, quotes and backslashes are text, not wildcards, on both databases, and
    the SQLite trigram prefilter never loses a match (short terms included)."""
    typed = term.strip()
    assume(typed)
    got, _ = inbox_query.list_page(
        session,
        query=InboxQuery(view=InboxView.ALL, q=term),
        viewer=agent,
        limit=200,
        offset=0,
        now=utcnow(),
    )
    ours = {t.id for t in searchable}
    expected = {
        t.id
        for t in searchable
        if typed.lower() in t.subject.lower() or t.reference == typed.upper()
    }
    assert {t.id for t in got} & ours == expected
