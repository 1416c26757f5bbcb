"""The lifetime-value page: distribution, P(alive) by recency and frequency, fitted models."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from starlette.responses import Response

from fairdesk.auth.deps import StaffPage
from fairdesk.clv import report
from fairdesk.clv import service as clv_service
from fairdesk.clv.models import CustomerValue
from fairdesk.customers.models import Customer
from fairdesk.db.deps import DbSession
from fairdesk.web.templating import render

router = APIRouter()
PALETTE = ("#94a3b8", "#60a5fa", "#34d399", "#f59e0b", "#ef4444")


def _charts(rep: report.ValueReport) -> dict[str, Any]:
    hist_labels = [
        f"{lo:,.0f}–{hi:,.0f}"
        for lo, hi in zip(rep.histogram_edges, rep.histogram_edges[1:], strict=False)
    ]
    return {
        "clv_hist": {
            "type": "bar",
            "data": {
                "labels": hist_labels,
                "datasets": [
                    {
                        "label": "customers",
                        "data": rep.histogram_counts,
                        "backgroundColor": "#2457d6",
                    }
                ],
            },
            "options": {
                "plugins": {"legend": {"display": False}},
                "scales": {
                    "x": {"title": {"display": True, "text": "12-month CLV"}},
                    "y": {"title": {"display": True, "text": "customers"}},
                },
            },
        },
        "p_alive": {
            "type": "line",
            "data": {
                "labels": rep.recency_labels,
                "datasets": [
                    {
                        "label": f"repeat purchases: {name}",
                        "data": values,
                        "borderColor": color,
                        "backgroundColor": color,
                        "spanGaps": True,
                    }
                    for (name, values), color in zip(
                        rep.p_alive_by_group.items(), PALETTE, strict=False
                    )
                ],
            },
            "options": {
                "scales": {
                    "x": {"title": {"display": True, "text": "time since last purchase"}},
                    "y": {"min": 0, "max": 1, "title": {"display": True, "text": "mean P(alive)"}},
                }
            },
        },
    }


@router.get("/insights/value")
def value_page(request: Request, session: DbSession, user: StaffPage) -> Response:
    fit = clv_service.latest_fit(session)
    rep = report.build(session) if fit else None
    top = (
        session.execute(
            select(Customer, CustomerValue)
            .join(CustomerValue, CustomerValue.customer_id == Customer.id)
            .order_by(CustomerValue.clv.desc())
            .limit(15)
        ).all()
        if fit
        else []
    )
    return render(
        request,
        "insights/value.html",
        {
            "fit": fit,
            "report": rep,
            "charts": _charts(rep) if rep else {},
            "top": top,
        },
    )
