"""The customer-focus scorecard page: charts with their numbers, CSV per chart, pain points."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from fairdesk.auth.deps import StaffPage
from fairdesk.db.deps import DbSession
from fairdesk.scorecard import export
from fairdesk.scorecard.query import DIMENSIONS
from fairdesk.scorecard.routes import csv_response, load
from fairdesk.scorecard.service import Scorecard
from fairdesk.web.templating import render

router = APIRouter()
BLUE, GREEN, AMBER, RED, GREY = "#2457d6", "#16a34a", "#f59e0b", "#dc2626", "#94a3b8"


def _line(labels: list[str], series: list[tuple[str, list[Any], str]], y: str) -> dict[str, Any]:
    return {
        "type": "line",
        "data": {
            "labels": labels,
            "datasets": [
                {
                    "label": name,
                    "data": data,
                    "borderColor": color,
                    "backgroundColor": color,
                    "spanGaps": True,
                }
                for name, data, color in series
            ],
        },
        "options": {"scales": {"y": {"title": {"display": True, "text": y}}}},
    }


def _bar(labels: list[str], series: list[tuple[str, list[Any], str]], y: str) -> dict[str, Any]:
    spec = _line(labels, series, y)
    spec["type"] = "bar"
    return spec


def _charts(sc: Scorecard) -> dict[str, Any]:
    weeks = [w.isoformat() for w, _ in sc.weeks]
    wv = [export.figure_values(f) for _, f in sc.weeks]
    rows = [r.label for r in sc.rows]
    rv = [export.figure_values(r.figures) for r in sc.rows]
    steps = sc.overall.funnel.steps
    return {
        "satisfaction": _line(
            weeks,
            [("CSAT %", [v["csat"] for v in wv], BLUE), ("NPS", [v["nps"] for v in wv], GREEN)],
            "CSAT % / NPS",
        ),
        "speed": _line(
            weeks,
            [
                ("first response, median (h)", [v["frt_median"] for v in wv], BLUE),
                ("resolution, median (h)", [v["ttr_median"] for v in wv], AMBER),
                ("waiting on us per case (h)", [v["wait_mean"] for v in wv], RED),
            ],
            "hours",
        ),
        "breakdown": _bar(
            rows,
            [
                ("CSAT %", [v["csat"] for v in rv], BLUE),
                ("reopened %", [v["reopen_rate"] for v in rv], RED),
                ("goodwill at once %", [v["goodwill_at_once"] for v in rv], GREEN),
            ],
            "percent",
        ),
        "funnel": _bar(
            [str(s.step) for s in steps] + ["lapsed", "churned"],
            [
                (
                    "customers",
                    [s.customers for s in steps]
                    + [sc.overall.funnel.lapsed, sc.overall.funnel.churned],
                    GREY,
                )
            ],
            "customers",
        ),
    }


@router.get("/scorecard")
def scorecard_page(
    request: Request,
    session: DbSession,
    user: StaffPage,
    since: str | None = None,
    until: str | None = None,
    by: str | None = None,
) -> Response:
    sc = load(session, user, since, until, by)
    params = {
        "since": sc.query.since.isoformat(),
        "until": sc.query.until.isoformat(),
        "by": sc.query.by,
    }
    return render(
        request,
        "scorecard/page.html",
        {
            "sc": sc,
            "charts": _charts(sc),
            "columns": export.FIGURE_COLUMNS,
            "values": export.figure_values,
            "dimensions": DIMENSIONS,
            "csv": {
                t: f"/scorecard.csv?{urlencode({**params, 'table': t})}" for t in export.TABLES
            },
        },
    )


@router.get("/scorecard.csv")
def scorecard_csv(
    session: DbSession,
    user: StaffPage,
    table: str = "weeks",
    since: str | None = None,
    until: str | None = None,
    by: str | None = None,
) -> Response:
    export.check_table(table)
    return csv_response(load(session, user, since, until, by), table)
