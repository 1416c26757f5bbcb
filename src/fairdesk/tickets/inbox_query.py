"""The inbox as rows a person reads, fetched with plans that stay fast at any depth.

What each view *means* is ``ticket_service``'s (its view conditions are reused as they are,
so the inbox, the API and the SLA notifications never disagree on "breached" or "due soon").
This module only adds what the planner needs to find those tickets quickly at 100,000:

- views over open tickets also say ``status IN ('new', 'open', 'pending')`` with the values
  written out, which lets both databases use the partial index of open tickets (SQLite has no
  histograms and would otherwise walk every closed ticket in date order);
- "due first" and "priority" order by the very expressions indexed in migration
  ``0003_pages``, the priority ranks as literals, so a deep page is an index walk, not a sort;
- the page's ids are found first and the rows fetched by id, so skipping to page 1,000 walks
  only an index, never 50,000 table rows, and a page past the middle is read from the end;
- the plan follows the count (see ``list_page``): few matches are collected and sorted,
  many are read along the sort's index;
- the six view counts take two queries, not six;
- the triage orders ("most urgent", "most upset") walk the per-ticket triage summary's
  index joined to the ticket, then the few tickets never triaged (``_triage_walk``).

The names on a page come in two batched look-ups, and each row carries its SLA marker, its
triage summary and a preview of the latest customer message with abusive words masked.
``tests/web/test_inbox_pages.py`` checks page by page that the results are exactly
``ticket_service.list_tickets``'s, and that the indexes still serve these queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Index,
    Select,
    SQLColumnExpression,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import Customer
from fairdesk.db.text_search import TRIGRAM, fts_match
from fairdesk.fairness.protection import masking
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.models import (
    OPEN_STATUSES,
    IntakeChannel,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketStatus,
)
from fairdesk.tickets.service import InboxQuery, InboxSort, InboxView
from fairdesk.tickets.sla_marks import SlaMark, next_mark
from fairdesk.triage.abuse import snippet
from fairdesk.triage.models import TicketTriage


def _literal(value: str) -> ColumnElement[Any]:
    """A constant written into the SQL text (enum values only: [a-z_]), as indexes need."""
    assert value.replace("_", "").isalpha(), value
    return literal_column(f"'{value}'")


OPEN_WRITTEN_OUT = Ticket.status.in_([_literal(s.value) for s in OPEN_STATUSES])
NEXT_DUE = case(
    (Ticket.first_responded_at.is_(None), Ticket.first_response_due_at),
    else_=Ticket.resolution_due_at,
)
PRIORITY_RANK = case(
    {
        _literal(p.value): literal_column(str(rank))
        for rank, p in enumerate((Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW))
    },
    value=Ticket.priority,
    else_=literal_column("4"),
)


@dataclass(frozen=True)
class SortKey:
    expr: SQLColumnExpression[Any]
    descending: bool = False
    nulls: str | None = None  # "first" / "last" for a key that can be NULL; None: NOT NULL
    triage: bool = False  # a column of the ticket's triage summary (joined when sorting)

    def on(self, expr: SQLColumnExpression[Any]) -> ColumnElement[Any]:
        """This key's direction applied to ``expr`` (the key itself or its CTE column)."""
        ordered = expr.desc() if self.descending else expr.asc()
        if self.nulls == "last":
            return ordered.nulls_last()
        return ordered.nulls_first() if self.nulls == "first" else ordered

    def flipped(self) -> SortKey:
        """The opposite order, to read a page near the end from the end of the index."""
        nulls = {"first": "last", "last": "first"}.get(self.nulls or "")
        return SortKey(self.expr, not self.descending, nulls, self.triage)


# The service's orders (ticket_service._SORTS), written with the indexed expressions.
SORT_KEYS: dict[InboxSort, tuple[SortKey, ...]] = {
    InboxSort.DUE: (SortKey(NEXT_DUE, nulls="last"), SortKey(Ticket.id)),
    InboxSort.NEWEST: (SortKey(Ticket.created_at, True), SortKey(Ticket.id, True)),
    InboxSort.OLDEST: (SortKey(Ticket.created_at), SortKey(Ticket.id)),
    InboxSort.PRIORITY: (SortKey(PRIORITY_RANK), SortKey(Ticket.created_at), SortKey(Ticket.id)),
    InboxSort.URGENCY: (
        SortKey(TicketTriage.urgency, True, "last", triage=True),
        SortKey(Ticket.id, True),
    ),
    InboxSort.SENTIMENT: (SortKey(TicketTriage.sentiment, False, "last", True), SortKey(Ticket.id)),
}
# The triage sorts' indexes (migration 0009_protection): (score, ticket id), walked forwards
# for "most upset first" and backwards for "most urgent first, newest first among equals".
TRIAGE_INDEXES = (
    Index("ix_ticket_triage_urgency_id", TicketTriage.urgency, TicketTriage.ticket_id),
    Index("ix_ticket_triage_sentiment_id", TicketTriage.sentiment, TicketTriage.ticket_id),
)
# Tickets with their triage summary, when a sort reads it (a ticket not triaged yet stays).
WITH_TRIAGE = Ticket.__table__.outerjoin(
    TicketTriage.__table__, TicketTriage.ticket_id == Ticket.id
)


def _source(stmt: Select[Any], keys: tuple[SortKey, ...]) -> Select[Any]:
    """The statement over tickets joined to their triage when a sort key reads it."""
    return stmt.select_from(WITH_TRIAGE) if any(k.triage for k in keys) else stmt


# Up to this many matches, find them all first and sort them (a few ms); past it, walk the
# sort's index and stop after one page, which visits few rows because matches are dense.
SMALL_SET = 5_000
# A search reads every subject anyway: collecting up to this many matches in that one scan
# (and sorting them) beats counting them in a second scan.
SEARCH_SET = 20_000
REFERENCE_SHAPE = re.compile(r"FD-[A-HJ-NP-Z2-9]{8}", re.IGNORECASE)

# Declared here too so the schema in metadata matches migration 0003_pages and autogenerate
# stays quiet; the migration is the frozen copy that creates them. The two expressions are
# written as PostgreSQL gives them back to reflection, which is what autogenerate
# compares with; the queries above must keep matching them (tests check both).
_NEXT_DUE_AS_PRINTED = (
    "\nCASE\n    WHEN first_responded_at IS NULL THEN first_response_due_at\n"
    "    ELSE resolution_due_at\nEND"
)
_PRIORITY_RANK_AS_PRINTED = (
    "\nCASE priority\n    WHEN 'urgent'::text THEN 0\n    WHEN 'high'::text THEN 1\n"
    "    WHEN 'normal'::text THEN 2\n    WHEN 'low'::text THEN 3\n    ELSE 4\nEND"
)
INDEXES = (
    Index(
        "ix_ticket_open_created",
        Ticket.created_at,
        Ticket.id,
        Ticket.status,
        Ticket.assignee_id,
        Ticket.priority,
        Ticket.channel,
        Ticket.first_responded_at,
        Ticket.first_response_due_at,
        Ticket.resolution_due_at,
        Ticket.sla_paused_at,
        sqlite_where=OPEN_WRITTEN_OUT,
        postgresql_where=OPEN_WRITTEN_OUT,
    ),
    Index(
        "ix_ticket_next_due",
        text(_NEXT_DUE_AS_PRINTED),
        Ticket.id,
        postgresql_include=["first_responded_at", "first_response_due_at", "resolution_due_at"],
    ),
    Index(
        "ix_ticket_priority_rank",
        text(_PRIORITY_RANK_AS_PRINTED),
        Ticket.created_at,
        Ticket.id,
        postgresql_include=["priority"],
    ),
    Index("ix_ticket_created_id", Ticket.created_at, Ticket.id),
)


@dataclass(frozen=True)
class InboxRow:
    id: int
    reference: str
    subject: str
    customer_id: int
    customer_name: str
    status: TicketStatus
    priority: Priority
    channel: IntakeChannel
    assignee_name: str | None
    created_at: datetime
    sla: SlaMark
    tags: list[str]
    triage: TicketTriage | None = None  # urgency, sentiment and the abuse marker
    preview: str = ""  # the latest customer message, abusive words masked


def conditions(query: InboxQuery, viewer: StaffUser, now: datetime, dialect: str) -> list[Any]:
    """The service's conditions for this view, plus what lets the indexes serve them.

    A search for a whole reference (``FD-…``) looks the reference up by its unique index
    rather than scanning every subject for it. On SQLite a subject search first asks the FTS5
    trigram table of migration 0013 (PostgreSQL's trigram index serves the ``LIKE`` itself).
    """
    reference = query.q.strip() if query.q and REFERENCE_SHAPE.fullmatch(query.q.strip()) else None
    if reference:
        query = replace(query, q=None)
    conds = ticket_service._view_conditions(query, viewer, now)
    term = query.q.strip() if query.q else ""
    if dialect == "sqlite" and len(term) >= TRIGRAM:
        conds.append(fts_match(Ticket.id, "ticket_fts", "subject", term))
    if reference:
        conds.append(Ticket.reference == reference.upper())
    if query.view is not InboxView.ALL:  # every other view is a subset of the open tickets
        conds.append(OPEN_WRITTEN_OUT)
    return conds


def list_page(
    session: Session,
    *,
    query: InboxQuery,
    viewer: StaffUser,
    limit: int,
    offset: int,
    now: datetime,
) -> tuple[list[Ticket], int]:
    """The tickets of one page, in order, and how many the view and filters match.

    Neither database can tell from its statistics how rare "pending" or a search word is,
    so the plan follows the count, which the pager needs anyway: up to ``SMALL_SET``
    matches are collected and sorted (page and count in one statement); more are read
    along the sort's index, from whichever end is nearer the page. A search, which scans
    every subject, collects first and counts on the way, so a rare word costs one scan; so
    does a view over open tickets (a small share of all of them), which would otherwise
    walk the same open tickets twice, once to count them and once to collect them.
    """
    conds = conditions(query, viewer, now, session.get_bind().dialect.name)
    keys = SORT_KEYS[query.sort]
    first = SEARCH_SET if query.q else SMALL_SET if query.view is not InboxView.ALL else 0
    small = _small_set_page(session, conds, keys, limit, offset, first) if first else None
    if small is not None:
        ids, total = small
    else:
        total = _count_matches(session, query, conds)
        narrowed = query.view is not InboxView.ALL or any(
            (
                query.status,
                query.priority,
                query.channel,
                query.customer_id,
                query.urgency,
                query.sentiment,
                query.abusive,
            )
        )
        small = (
            _small_set_page(session, conds, keys, limit, offset, SMALL_SET)
            if narrowed and total <= SMALL_SET
            else None
        )
        if small:
            ids = small[0]
        elif any(k.triage for k in keys):
            ids = _triage_walk(session, conds, keys, limit, offset)
        else:
            ids = _index_walk(session, conds, keys, limit, offset, total)
    by_id = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id], total


def _count_matches(session: Session, query: InboxQuery, conds: list[Any]) -> int:
    """How many tickets match; only triage filters over all tickets count the summaries.

    Every summary belongs to a ticket (foreign key), so "all tickets with negative sentiment"
    is the number of such summaries: one walk of the summary's own index, where joining
    40,000 summaries back to their tickets took a hash join over the whole ticket table.
    """
    wanted = ticket_service.triage_filters(query)
    ticket_filters = (query.status, query.priority, query.channel, query.customer_id, query.q)
    if wanted and query.view is InboxView.ALL and not any(ticket_filters):
        return session.scalar(select(func.count()).select_from(TicketTriage).where(*wanted)) or 0
    return session.scalar(select(func.count()).select_from(Ticket).where(*conds)) or 0


def _small_set_page(
    session: Session,
    conds: list[Any],
    keys: tuple[SortKey, ...],
    limit: int,
    offset: int,
    cap: int,
) -> tuple[list[int], int] | None:
    """Page and count from at most ``cap`` matches, or None when there are more.

    The first match always comes back too, so the count is known even past the last page.
    """
    columns: list[Any] = [Ticket.id.label("id")]
    columns += [k.expr.label(f"k{i}") for i, k in enumerate(keys)]
    found = (
        _source(select(*columns), keys)
        .where(*conds)
        .limit(cap + 1)
        .cte("found")
        .prefix_with("MATERIALIZED")
    )
    order = [k.on(found.c[f"k{i}"]) for i, k in enumerate(keys)]
    ranked = select(
        found.c.id,
        func.row_number().over(order_by=order).label("rn"),
        func.count().over().label("n"),
    ).subquery("ranked")
    rows = session.execute(
        select(ranked.c.id, ranked.c.rn, ranked.c.n)
        .where(or_(ranked.c.rn == 1, ranked.c.rn.between(offset + 1, offset + limit)))
        .order_by(ranked.c.rn)
    ).all()
    total = int(rows[0].n) if rows else 0
    if total > cap:
        return None
    return [int(r.id) for r in rows if offset < r.rn <= offset + limit], total


def _triage_walk(
    session: Session, conds: list[Any], keys: tuple[SortKey, ...], limit: int, offset: int
) -> list[int]:
    """One page in a triage order: the triaged tickets along the summary's index, then the
    few never triaged (their key is NULL, sorted last), by id.

    An outer join would make either database sort every ticket; walking the summary's index
    joined to the ticket reads about one page's worth of rows.
    """
    score, tie = keys
    # Every summary belongs to a ticket (foreign key), so with no condition on the ticket the
    # walk reads the summary's index alone.
    source = (
        TicketTriage.__table__.join(Ticket.__table__, TicketTriage.ticket_id == Ticket.id)
        if conds
        else TicketTriage.__table__
    )
    triaged = (
        select(TicketTriage.ticket_id)
        .select_from(source)
        .where(*conds)
        .order_by(
            score.expr.desc() if score.descending else score.expr.asc(),
            TicketTriage.ticket_id.desc() if tie.descending else TicketTriage.ticket_id.asc(),
        )
    )
    ids = [int(i) for i in session.scalars(triaged.limit(limit).offset(offset))]
    if len(ids) == limit:
        return ids
    seen = offset + len(ids) if ids else _count(session, triaged)
    untriaged = (
        select(Ticket.id)
        .where(
            *conds,
            ~select(TicketTriage.ticket_id).where(TicketTriage.ticket_id == Ticket.id).exists(),
        )
        .order_by(tie.on(Ticket.id))
    )
    rest = session.scalars(untriaged.limit(limit - len(ids)).offset(max(0, offset - seen)))
    return ids + [int(i) for i in rest]


def _count(session: Session, stmt: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _index_walk(
    session: Session,
    conds: list[Any],
    keys: tuple[SortKey, ...],
    limit: int,
    offset: int,
    total: int,
) -> list[int]:
    """One page's ids along the sort's index; past the middle, backwards from the end."""
    if offset >= total:
        return []
    if offset <= total // 2:
        order, start, count = keys, offset, limit
    else:
        count = min(limit, total - offset)
        order, start = tuple(k.flipped() for k in keys), total - offset - count
    stmt = _source(select(Ticket.id), keys).where(*conds).order_by(*(k.on(k.expr) for k in order))
    ids = [int(i) for i in session.scalars(stmt.limit(count).offset(start))]
    return ids if order is keys else ids[::-1]


def view_counts(session: Session, *, viewer: StaffUser, now: datetime) -> dict[InboxView, int]:
    """How many tickets each view holds: ``ticket_service.view_counts`` in two queries.

    The open views are counted in one pass over the open tickets (a few per cent of the
    table), each with its own ``FILTER``; "all" is one plain count.
    """
    views = [v for v in InboxView if v is not InboxView.ALL]
    row = session.execute(
        select(
            *(
                func.count().filter(
                    and_(*ticket_service._view_conditions(InboxQuery(view=v), viewer, now))
                )
                for v in views
            )
        )
        .select_from(Ticket)
        .where(OPEN_WRITTEN_OUT)
    ).one()
    counts: dict[InboxView, int] = {v: int(n or 0) for v, n in zip(views, row, strict=True)}
    counts[InboxView.ALL] = session.scalar(select(func.count()).select_from(Ticket)) or 0
    return counts


def customer_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Customer.id, Customer.first_name, Customer.last_name, Customer.email).where(
            Customer.id.in_(wanted)
        )
    ).all()
    return {
        cid: f"{first} {last}".strip() or email or f"customer #{cid}"
        for cid, first, last, email in rows
    }


def staff_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(wanted)))
    return {sid: name for sid, name in rows}


def inbox_page(
    session: Session,
    *,
    query: InboxQuery,
    viewer: StaffUser,
    limit: int,
    offset: int,
    now: datetime,
) -> tuple[list[InboxRow], int]:
    """One page of the inbox as rows, and the number of tickets the view and filters match."""
    tickets, total = list_page(
        session, query=query, viewer=viewer, limit=limit, offset=offset, now=now
    )
    return rows_for(session, tickets, now=now), total


def rows_for(session: Session, tickets: Iterable[Ticket], *, now: datetime) -> list[InboxRow]:
    tickets = list(tickets)
    customers = customer_names(session, (t.customer_id for t in tickets))
    staff = staff_names(session, (t.assignee_id for t in tickets))
    triage = triage_of(session, [t.id for t in tickets])
    previews = {tid: row.preview for tid, row in triage.items() if row.preview is not None}
    previews |= latest_previews(session, [t.id for t in tickets if t.id not in previews])
    return [
        InboxRow(
            id=t.id,
            reference=t.reference,
            subject=masking.masked_subject(t.subject),
            customer_id=t.customer_id,
            customer_name=customers.get(t.customer_id, f"customer #{t.customer_id}"),
            status=TicketStatus(t.status),
            priority=Priority(t.priority),
            channel=IntakeChannel(t.channel),
            assignee_name=staff.get(t.assignee_id) if t.assignee_id is not None else None,
            created_at=t.created_at,
            sla=next_mark(t, now),
            tags=list(t.tags or []),
            triage=triage.get(t.id),
            preview=previews.get(t.id, ""),
        )
        for t in tickets
    ]


def triage_of(session: Session, ids: list[int]) -> dict[int, TicketTriage]:
    if not ids:
        return {}
    rows = session.scalars(select(TicketTriage).where(TicketTriage.ticket_id.in_(ids)))
    return {r.ticket_id: r for r in rows}


def latest_previews(session: Session, ids: list[int]) -> dict[int, str]:
    """Each ticket's latest customer message as a one-line preview, masked for staff.

    Only for tickets whose triage summary holds no stored preview (written before
    migration 0011); intake stores it when it triages the message.
    """
    if not ids:
        return {}
    latest = (
        select(func.max(Message.id))
        .where(Message.ticket_id.in_(ids), Message.kind == MessageKind.CUSTOMER)
        .group_by(Message.ticket_id)
    )
    messages = list(session.scalars(select(Message).where(Message.id.in_(latest))))
    shown = masking.shown_messages(session, messages)
    return {m.ticket_id: snippet(shown[m.id].text) for m in messages}
