"""Customer pages: the searchable list and one customer's profile, orders and journey.

A thin layer over ``fairdesk.customers.service``. Its own work is turning a query string a
person may have mistyped into a ``CustomerQuery`` (a clear 422 page, never a 500) and shaping
rows for the templates, so the templates stay free of logic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.deps import StaffPage
from fairdesk.clv import service as clv_service
from fairdesk.customers import service as customer_service
from fairdesk.customers.models import Customer, LifecycleStatus, Order
from fairdesk.customers.service import CustomerQuery, CustomerSort
from fairdesk.db.deps import DbSession
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.segments import service as segment_service
from fairdesk.web.pages import staff_exposure
from fairdesk.web.paging import Pager, choice, window
from fairdesk.web.templating import render

router = APIRouter()

# Past this an OFFSET no longer fits a 64-bit integer on every page size; answer 422.
MAX_PAGE = 1_000_000
MAX_DB_ID = 2**63 - 1
TAG_PREVIEW = 3
SORT_LABELS = {
    CustomerSort.NAME: "Name", CustomerSort.NEWEST: "Newest first",
    CustomerSort.OLDEST: "Oldest first", CustomerSort.EMAIL: "E-mail",
    CustomerSort.EXTERNAL_ID: "External id",
}
AGE_BANDS = ((18, "under 18"), (25, "18–24"), (35, "25–34"), (45, "35–44"), (55, "45–54"),
             (65, "55–64"))



@dataclass(frozen=True)
class ListForm:
    """The list's query string as typed, echoed back into the form and the page links."""

    q: str = ""
    country: str = ""
    status: str = ""
    tag: str = ""
    sort: str = CustomerSort.NAME.value

    def url(self, page: int) -> str:
        params = {k: v for k, v in asdict(self).items() if v and (k, v) != ("sort", "name")}
        return "/customers?" + urlencode({**params, "page": page})

    @property
    def narrowed(self) -> bool:
        return bool(self.q or self.country or self.status or self.tag)




def _country(raw: str) -> str | None:
    code = raw.strip()
    if not code:
        return None
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValidationFailed(f"country: {raw!r} is not a two-letter code such as GB",
                               field="country")
    return code.upper()



def _tags(customer: Customer) -> list[str]:
    """Tags of every criterion in one list without repeats, for the list's preview column."""
    seen: dict[str, None] = {}
    for col in customer_service.TAG_COLUMNS:
        seen.update(dict.fromkeys(getattr(customer, col.key) or []))
    return list(seen)


@router.get("/customers")
def customer_list(
    request: Request, session: DbSession, user: StaffPage,
    q: Annotated[str, Query(max_length=200)] = "",
    country: Annotated[str, Query(max_length=20)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
    tag: Annotated[str, Query(max_length=60)] = "",
    sort: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    form = ListForm(q=q.strip(), country=country.strip(), status=status, tag=tag.strip(),
                    sort=sort or CustomerSort.NAME.value)
    query = CustomerQuery(
        q=form.q or None, country=_country(form.country),
        lifecycle_status=choice(LifecycleStatus, form.status, "status"), tag=form.tag or None,
        sort=choice(CustomerSort, form.sort, "sort") or CustomerSort.NAME,
    )
    size: int = request.app.state.settings.page_size
    rows, total = customer_service.list_customers(session, query=query, limit=size,
                                                  offset=(page - 1) * size)
    pages = max(1, -(-total // size))
    if page > pages:  # a stale link past the end: go to the last page that exists
        return RedirectResponse(form.url(pages), status_code=303)
    stats = customer_service.stats_for(session, [c.id for c in rows])
    pager = Pager(page=page, pages=pages, total=total, first_row=(page - 1) * size + 1,
                  last_row=(page - 1) * size + len(rows), window=window(page, pages))
    return render(request, "customers/list.html", {
        "form": form, "rows": [(c, stats[c.id], _tags(c)) for c in rows], "pager": pager,
        "statuses": list(LifecycleStatus), "sorts": SORT_LABELS, "tag_preview": TAG_PREVIEW,
    })


@dataclass(frozen=True)
class OrderTotals:
    """Order count, spend and refunds in one currency."""

    currency: str
    count: int
    spent: Decimal
    refunded: Decimal


def _order_totals(session: Session, customer_id: int) -> Sequence[OrderTotals]:
    """Totals over every order, not just the listed ones; per currency, never mixed."""
    rows = session.execute(
        select(Order.currency, func.count(Order.id), func.coalesce(func.sum(Order.amount), 0),
               func.coalesce(func.sum(Order.refunded_amount), 0))
        .where(Order.customer_id == customer_id)
        .group_by(Order.currency).order_by(Order.currency)
    ).all()
    return [OrderTotals(cur, int(n), Decimal(s), Decimal(r)) for cur, n, s, r in rows]


def _age(birth_year: int | None, year: int) -> str | None:
    """Age from the birth year alone is off by up to one, so say 'about' and give the band."""
    if birth_year is None or not 0 <= year - birth_year <= 130:
        return None
    age = year - birth_year
    band = next((label for limit, label in AGE_BANDS if age < limit), "65+")
    return f"about {age} ({band})"


@router.get("/customers/{customer_id:int}")
def customer_detail(
    request: Request, customer_id: int, session: DbSession, user: StaffPage
) -> Response:
    if customer_id > MAX_DB_ID:
        raise NotFound(f"no customer with id {customer_id}", field="customer_id")
    customer = customer_service.get_customer(session, customer_id)
    orders = customer_service.orders_of(session, customer_id)
    totals = _order_totals(session, customer_id)
    return render(request, "customers/detail.html", {
        "c": customer, "age": _age(customer.birth_year, datetime.now(UTC).year),
        "orders": orders, "totals": totals, "order_count": sum(t.count for t in totals),
        "journey": customer_service.journey_of(session, customer_id),
        "value": clv_service.value_of(session, customer_id),
        "insights": segment_service.customer_insights(session, customer_id),
        "protection": staff_exposure.customer_panel(session, customer_id, user),
    })
