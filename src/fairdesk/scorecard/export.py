"""The scorecard as JSON (API, CLI) and as one CSV per chart, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from fairdesk.customers.exporter import FORMULA_START
from fairdesk.errors import ValidationFailed
from fairdesk.scorecard.figures import Figures
from fairdesk.scorecard.schemas import (
    ComplaintOut,
    FiguresOut,
    PainPointOut,
    RowOut,
    ScorecardOut,
    WeekOut,
)
from fairdesk.scorecard.service import Scorecard

TABLES = ("weeks", "rows", "funnel", "pain")
NO_DATA = "no data"

FIGURE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("tickets", "tickets"),
    ("resolved", "resolved"),
    ("first response median (h)", "frt_median"),
    ("first response p90 (h)", "frt_p90"),
    ("resolution median (h)", "ttr_median"),
    ("resolution p90 (h)", "ttr_p90"),
    ("waiting on us per case (h)", "wait_mean"),
    ("contacts per resolved case", "contacts_per_resolved"),
    ("reopened (%)", "reopen_rate"),
    ("same topic again within 14 days (%)", "repeat_rate"),
    ("CSAT (%)", "csat"),
    ("CSAT 95% low", "csat_low"),
    ("CSAT 95% high", "csat_high"),
    ("CSAT answers", "csat_n"),
    ("CES mean (1-7)", "ces"),
    ("NPS", "nps"),
    ("NPS 95% low", "nps_low"),
    ("NPS 95% high", "nps_high"),
    ("NPS answers", "nps_n"),
    ("survey response rate (%)", "response_rate"),
    ("goodwill gestures", "gestures"),
    ("goodwill granted at once (%)", "goodwill_at_once"),
)


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60.0, 2)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100.0 * share, 1)


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def figure_values(f: Figures) -> dict[str, Any]:
    """The table/CSV cells of one cell of the scorecard (None = no data)."""
    return {
        "tickets": f.tickets,
        "resolved": f.resolved,
        "frt_median": _hours(f.frt_median),
        "frt_p90": _hours(f.frt_p90),
        "ttr_median": _hours(f.ttr_median),
        "ttr_p90": _hours(f.ttr_p90),
        "wait_mean": _hours(f.wait_mean),
        "contacts_per_resolved": _r(f.contacts_per_resolved, 2),
        "reopen_rate": _pct(f.reopen_rate),
        "repeat_rate": _pct(f.repeat_rate),
        "csat": _r(f.csat.value),
        "csat_low": _r(f.csat.low),
        "csat_high": _r(f.csat.high),
        "csat_n": f.csat.n,
        "ces": _r(f.ces.mean, 2),
        "nps": _r(f.nps.value),
        "nps_low": _r(f.nps.low),
        "nps_high": _r(f.nps.high),
        "nps_n": f.nps.n,
        "response_rate": _r(f.response_rate.value),
        "gestures": f.gestures,
        "goodwill_at_once": _r(f.goodwill_at_once.value),
    }


def safe(value: Any) -> str:
    """A CSV cell: "no data" for None, and text a spreadsheet would run made inert with '."""
    if value is None:
        return NO_DATA
    if isinstance(value, bool | int | float):
        return str(value)
    text = str(value)
    return "'" + text if FORMULA_START.match(text) else text


def _rows(sc: Scorecard, table: str) -> tuple[Sequence[str], Iterable[Sequence[Any]]]:
    keys = [k for _, k in FIGURE_COLUMNS]
    names = [n for n, _ in FIGURE_COLUMNS]
    if table == "weeks":
        return ["week", *names], (
            [w.isoformat(), *(figure_values(f)[k] for k in keys)] for w, f in sc.weeks
        )
    if table == "rows":
        return [sc.query.by, "name", *names], (
            [r.value, r.label, *(figure_values(r.figures)[k] for k in keys)] for r in sc.rows
        )
    if table == "funnel":
        header = [
            "cohort week",
            "leads",
            "paid",
            "repeat",
            "lead→paid (%)",
            "paid→repeat (%)",
            "lapsed",
            "churned",
            "mean P(alive)",
            "mean CLV",
        ]
        return header, (
            [
                w.isoformat(),
                *(s.customers for s in f.funnel.steps),
                *(_pct(s.conversion) for s in f.funnel.steps[1:]),
                f.funnel.lapsed,
                f.funnel.churned,
                _r(f.p_alive_mean, 3),
                _r(f.clv_mean, 2),
            ]
            for w, f in sc.cohort_weeks
        )
    return ["kind", "what", "dimension", "value", "observed", "expected", "excess"], (
        [p.kind, p.what, p.dimension, p.value, p.observed, round(p.expected, 1), round(p.excess, 1)]
        for p in sc.pain_points
    )


def check_table(table: str) -> str:
    if table not in TABLES:
        raise ValidationFailed(
            f"table must be one of {', '.join(TABLES)}, not {table[:40]!r}", field="table"
        )
    return table


def to_csv(sc: Scorecard, table: str) -> str:
    header, rows = _rows(sc, check_table(table))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe(h) for h in header])
    for row in rows:
        writer.writerow([safe(v) for v in row])
    return out.getvalue()


def csv_filename(sc: Scorecard, table: str) -> str:
    return f"scorecard-{table}-{sc.query.since}-{sc.query.until}.csv"


def to_out(sc: Scorecard) -> ScorecardOut:
    def week(w: date, f: Figures) -> WeekOut:
        return WeekOut(week=w, figures=FiguresOut.model_validate(f))

    return ScorecardOut(
        since=sc.query.since,
        until=sc.query.until,
        by=sc.query.by,
        scope=sc.scope,
        no_data=sc.empty,
        built_at=sc.build.built_at if sc.build else None,
        overall=FiguresOut.model_validate(sc.overall),
        weeks=[week(w, f) for w, f in sc.weeks],
        rows=[RowOut.model_validate(r) for r in sc.rows],
        cohorts=[week(w, f) for w, f in sc.cohort_weeks],
        pain_points=[PainPointOut.model_validate(p) for p in sc.pain_points],
        top_complaints=[ComplaintOut(kind=k, key=key, count=n) for k, key, n in sc.top_complaints],
    )
