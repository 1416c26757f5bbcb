"""The agent inbox: views with counts, filters, sort and pages over the ticket queue.

A thin layer over ``ticket_service`` / ``inbox_query``. Its own work is reading a query string
a person may have mistyped into an ``InboxQuery`` (a clear 422 page naming the field, never a
500) and building the links that keep the filters while moving between views and pages.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.deps import StaffPage
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import ValidationFailed
from fairdesk.tickets import inbox_query
from fairdesk.tickets.models import IntakeChannel, Priority, TicketStatus
from fairdesk.tickets.service import InboxQuery, InboxSort, InboxView, SentimentBand
from fairdesk.triage.result import UrgencyLevel
from fairdesk.web.paging import Pager, choice, window
from fairdesk.web.templating import render

router = APIRouter()

MAX_PAGE = 1_000_000  # past this an OFFSET stops fitting every database's integer
VIEW_LABELS = {
    InboxView.MINE: "Mine",
    InboxView.UNASSIGNED: "Unassigned",
    InboxView.DUE_SOON: "Due soon",
    InboxView.BREACHED: "Breached",
    InboxView.OPEN: "Open",
    InboxView.ALL: "All",
}
SORT_LABELS = {
    InboxSort.DUE: "Due first",
    InboxSort.NEWEST: "Newest first",
    InboxSort.OLDEST: "Oldest first",
    InboxSort.PRIORITY: "Priority",
    InboxSort.URGENCY: "Most urgent first",
    InboxSort.SENTIMENT: "Most upset first",
}
DEFAULT_VIEW = InboxView.OPEN
DEFAULT_SORT = InboxSort.DUE



@dataclass(frozen=True)
class InboxForm:
    """The query string as typed, echoed into the form, the view tabs and the page links."""

    view: str = DEFAULT_VIEW.value
    status: str = ""
    priority: str = ""
    channel: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT.value
    urgency: str = ""
    sentiment: str = ""
    abuse: str = ""  # "1": only tickets marked abusive or threatening

    def url(self, page: int = 1, **changes: str) -> str:
        form = replace(self, **changes)
        defaults = {"view": DEFAULT_VIEW.value, "sort": DEFAULT_SORT.value}
        params = {k: v for k, v in asdict(form).items() if v and defaults.get(k) != v}
        if page > 1:
            params["page"] = str(page)
        return "/inbox" + ("?" + urlencode(params) if params else "")

    def view_url(self, view: str) -> str:
        return self.url(view=view)

    @property
    def narrowed(self) -> bool:
        return bool(
            self.status
            or self.priority
            or self.channel
            or self.q
            or self.urgency
            or self.sentiment
            or self.abuse
        )





@router.get("/inbox")
def inbox(
    request: Request,
    session: DbSession,
    user: StaffPage,
    view: Annotated[str, Query(max_length=20)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    priority: Annotated[str, Query(max_length=20)] = "",
    channel: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(max_length=20)] = "",
    urgency: Annotated[str, Query(max_length=20)] = "",
    sentiment: Annotated[str, Query(max_length=20)] = "",
    abuse: Annotated[str, Query(max_length=5)] = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    form = InboxForm(
        view=view or DEFAULT_VIEW.value,
        status=status,
        priority=priority,
        channel=channel,
        q=q.strip(),
        sort=sort or DEFAULT_SORT.value,
        urgency=urgency,
        sentiment=sentiment,
        abuse=abuse,
    )
    if abuse not in ("", "1"):
        raise ValidationFailed("abuse: use 1 to show only tickets marked abusive", field="abuse")
    query = InboxQuery(
        view=choice(InboxView, form.view, "view") or DEFAULT_VIEW,
        status=choice(TicketStatus, form.status, "status"),
        priority=choice(Priority, form.priority, "priority"),
        channel=choice(IntakeChannel, form.channel, "channel"),
        q=form.q or None,
        sort=choice(InboxSort, form.sort, "sort") or DEFAULT_SORT,
        urgency=choice(UrgencyLevel, form.urgency, "urgency"),
        sentiment=choice(SentimentBand, form.sentiment, "sentiment"),
        abusive=form.abuse == "1",
    )
    now = utcnow()
    size: int = request.app.state.settings.page_size
    rows, total = inbox_query.inbox_page(
        session, query=query, viewer=user, limit=size, offset=(page - 1) * size, now=now
    )
    pages = max(1, -(-total // size))
    if page > pages:  # a stale link past the end: the last page that exists
        return RedirectResponse(form.url(pages), status_code=303)
    counts = inbox_query.view_counts(session, viewer=user, now=now)
    pager = Pager(
        page=page,
        pages=pages,
        total=total,
        first_row=(page - 1) * size + 1,
        last_row=(page - 1) * size + len(rows),
        window=window(page, pages),
    )
    return render(
        request,
        "tickets/inbox.html",
        {
            "form": form,
            "rows": rows,
            "pager": pager,
            "now": now,
            "views": [(v, VIEW_LABELS[v], counts[v]) for v in InboxView],
            "current_view": query.view,
            "sorts": SORT_LABELS,
            "statuses": list(TicketStatus),
            "priorities": list(Priority),
            "channels": list(IntakeChannel),
            "urgencies": list(UrgencyLevel),
            "sentiments": list(SentimentBand),
        },
    )
