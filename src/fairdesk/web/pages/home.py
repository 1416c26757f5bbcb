"""The landing page after login: the business at a glance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from starlette.responses import Response

from fairdesk.auth.deps import StaffPage
from fairdesk.customers.models import Customer, Order
from fairdesk.db.deps import DbSession
from fairdesk.web.templating import render

router = APIRouter()


@router.get("/")
def home(request: Request, session: DbSession, user: StaffPage) -> Response:
    customers = session.scalar(select(func.count()).select_from(Customer)) or 0
    orders, revenue = session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(Order.amount), 0))
    ).one()
    return render(
        request, "home.html", {"customers": customers, "orders": orders, "revenue": revenue}
    )
