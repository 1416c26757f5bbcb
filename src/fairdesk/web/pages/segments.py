"""Segment pages: overview, RFM grid, comparison, ideal-customer fit, one segment, the editor.

A thin layer over ``segment_service`` and ``segments.report``. Its own work is the filter
editor: rows of (field, operator, value) from a plain HTML form - or a JSON tree for nested
groups - turned into a rule tree, counted on "Count" and saved on "Save"; a rule the validator
rejects re-renders the form with the message naming the rule and field (422), nothing saved.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import ManagerPage, StaffPage
from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import FairdeskError, ValidationFailed
from fairdesk.personas import card
from fairdesk.personas import service as persona_service
from fairdesk.segments import report, rules
from fairdesk.segments import service as segment_service
from fairdesk.segments.fields import FIELDS, OP_LABELS, OPS
from fairdesk.segments.models import CustomerScore, SegmentKind
from fairdesk.web.templating import flash, render

router = APIRouter()
EDITOR_ROWS = 3  # blank rows offered below the existing ones
MEMBER_PREVIEW = 50


@router.get("/segments")
def overview(request: Request, session: DbSession, user: StaffPage) -> Response:
    data = report.overview(session)
    rows = data["rows"]
    charts = {
        "rfm_share": report.share_chart(rows["rfm"]),
        "cluster_share": report.share_chart(rows["cluster"]),
        "trend": report.trend_chart(rows["cluster"] + [r for r in rows["rule"]], data["times"]),
    }
    return render(request, "segments/overview.html", {
        **data, "charts": charts, "run": segment_service.latest_run(session),
        "personas": {p.segment_id: p for p in persona_service.list_personas(session)},
    })


@router.get("/segments/rfm")
def rfm_page(request: Request, session: DbSession, user: StaffPage) -> Response:
    return render(request, "segments/rfm.html", {
        "grid": report.rfm_grid(session), "run": segment_service.latest_run(session),
        "segments": segment_service.list_segments(session, kind=SegmentKind.RFM),
    })


@router.get("/segments/compare")
def compare_page(request: Request, session: DbSession, user: StaffPage,
                 ids: Annotated[list[str], Query(max_length=6)] = []) -> Response:  # noqa: B006
    # The form's unused "—" choices arrive as empty strings: skip them, not a 422.
    chosen = list(dict.fromkeys(int(i) for i in ids if i.strip().isdigit()))[:4]
    rows = report.compare(session, chosen, now=utcnow()) if chosen else []
    return render(request, "segments/compare.html", {
        "rows": rows, "chart": report.compare_chart(rows) if rows else None,
        "segments": segment_service.list_segments(session), "chosen": chosen,
    })


@router.get("/segments/fit")
def fit_page(request: Request, session: DbSession, user: StaffPage,
             minimum: Annotated[float, Query(alias="min", ge=0, le=100)] = 70) -> Response:
    return render(request, "segments/fit.html", {
        "rows": report.best_fit(session, minimum=minimum), "minimum": minimum,
        "targets": segment_service.list_segments(session, targets_only=True),
    })


def _editor(request: Request, session: DbSession, *, form: dict[str, Any],
            segment_id: int | None, count: int | None = None, error: str | None = None,
            status_code: int = 200) -> Response:
    return render(request, "segments/editor.html", {
        "form": form, "segment_id": segment_id, "count": count, "error": error,
        "fields": list(FIELDS.values()), "ops": OPS, "op_labels": OP_LABELS,
    }, status_code=status_code)


def _rows_of(tree: dict[str, Any] | None) -> tuple[str, list[dict[str, str]], str]:
    """Editor rows for a flat tree; nested trees go to the JSON box instead."""
    if not tree:
        return "all", [], ""
    if any("rules" in r for r in tree["rules"]):
        return tree["match"], [], json.dumps(tree, indent=2)
    rows = []
    for r in tree["rules"]:
        value = r.get("value", "")
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        rows.append({"field": r["field"], "op": r["op"], "value": shown})
    return tree["match"], rows, ""


def _tree_from_form(data: dict[str, Any]) -> dict[str, Any]:
    """The rule tree the form describes (the JSON box wins when filled)."""
    raw_json = str(data.get("rules_json", "")).strip()
    if raw_json:
        try:
            parsed: dict[str, Any] = json.loads(raw_json)
        except ValueError as exc:
            raise ValidationFailed(f"rules (JSON): not valid JSON ({exc})",
                                   field="rules_json") from None
        return parsed
    out = []
    for i in range(int(data.get("rows", 0) or 0)):
        field = str(data.get(f"field_{i}", "")).strip()
        if not field:
            continue
        op = str(data.get(f"op_{i}", "")).strip()
        raw = str(data.get(f"value_{i}", "")).strip()
        leaf: dict[str, Any] = {"field": field, "op": op}
        if op == "between" or op in rules.LIST_OPS:
            leaf["value"] = [v.strip() for v in raw.split(",") if v.strip()]
        elif op not in rules.NO_VALUE:
            leaf["value"] = raw
        out.append(leaf)
    return {"match": data.get("match", "all"), "rules": out}


def _form_state(data: dict[str, Any]) -> dict[str, Any]:
    rows = [{"field": str(data.get(f"field_{i}", "")), "op": str(data.get(f"op_{i}", "")),
             "value": str(data.get(f"value_{i}", ""))}
            for i in range(int(data.get("rows", 0) or 0))
            if str(data.get(f"field_{i}", "")).strip()]
    return {"name": str(data.get("name", "")), "description": str(data.get("description", "")),
            "match": str(data.get("match", "all")), "rows": rows,
            "rules_json": str(data.get("rules_json", ""))}


@router.get("/segments/new")
def new_segment(request: Request, session: DbSession, user: ManagerPage) -> Response:
    return _editor(request, session, segment_id=None, form={
        "name": "", "description": "", "match": "all", "rows": [], "rules_json": ""})


@router.get("/segments/{segment_id:int}/edit")
def edit_segment(segment_id: int, request: Request, session: DbSession,
                 user: ManagerPage) -> Response:
    seg = segment_service.get_segment(session, segment_id)
    if seg.kind != SegmentKind.RULE:
        raise ValidationFailed("RFM and cluster segments are computed; rename them on their "
                               "page", field="segment_id")
    match, rows, raw = _rows_of(seg.rules)
    return _editor(request, session, segment_id=segment_id, form={
        "name": seg.name, "description": seg.description, "match": match, "rows": rows,
        "rules_json": raw}, count=segment_service.count_members(session, segment_id))


async def _save(request: Request, session: DbSession, user: Any,
                segment_id: int | None) -> Response:
    data = dict(await request.form())
    form = _form_state(data)
    try:
        tree = _tree_from_form(data)
        if data.get("action") == "count":
            count = segment_service.preview_count(session, tree)
            return _editor(request, session, form=form, segment_id=segment_id, count=count)
        if segment_id is None:
            seg = segment_service.create_rule_segment(
                session, name=form["name"], description=form["description"], rules=tree,
                actor=user)
        else:
            seg = segment_service.update_segment(
                session, segment_id, actor=user, name=form["name"],
                description=form["description"], rules=tree)
    except FairdeskError as exc:
        return _editor(request, session, form=form, segment_id=segment_id, error=exc.message,
                       status_code=exc.status_code)
    flash(request, f"Saved {seg.name}: {seg.size:,} customers match.", "success")
    return RedirectResponse(f"/segments/{seg.id}", status_code=303)


@router.post("/segments/new", dependencies=[Depends(require_csrf)])
async def create_segment(request: Request, session: DbSession, user: ManagerPage) -> Response:
    return await _save(request, session, user, None)


@router.post("/segments/{segment_id:int}/edit", dependencies=[Depends(require_csrf)])
async def save_segment(segment_id: int, request: Request, session: DbSession,
                       user: ManagerPage) -> Response:
    return await _save(request, session, user, segment_id)


@router.get("/segments/{segment_id:int}")
def segment_page(segment_id: int, request: Request, session: DbSession,
                 user: StaffPage) -> Response:
    seg = segment_service.get_segment(session, segment_id)
    ids = segment_service.members(session, segment_id).subquery()
    people = session.execute(
        select(Customer, CustomerScore.fit_score, CustomerScore.rfm_segment)
        .join(ids, ids.c[0] == Customer.id)
        .outerjoin(CustomerScore, CustomerScore.customer_id == Customer.id)
        .order_by(CustomerScore.fit_score.desc().nulls_last(), Customer.id)
        .limit(MEMBER_PREVIEW)
    ).all()
    personas = [p for p in persona_service.list_personas(session) if p.segment_id == seg.id]
    return render(request, "segments/detail.html", {
        "seg": seg, "count": segment_service.count_members(session, segment_id),
        "people": people, "personas": [(p, card.display_name(p)) for p in personas],
        "rules_summary": rules.summary(seg.rules) if seg.rules else None,
        "rfm_labels": {code: segment_service.rfm_label(code)[0] for _, _, code in people
                       if code},
    })


@router.post("/segments/{segment_id:int}/target", dependencies=[Depends(require_csrf)])
async def toggle_target(segment_id: int, request: Request, session: DbSession,
                        user: ManagerPage) -> Response:
    target = (await request.form()).get("target") == "1"
    seg = segment_service.set_target(session, segment_id, target=target, actor=user)
    flash(request, f"{seg.name} is {'now' if target else 'no longer'} a target segment; fit "
          "scores and personas follow at the next `fairdesk analyze`.", "success")
    return RedirectResponse(f"/segments/{segment_id}", status_code=303)


@router.post("/segments/{segment_id:int}/rename", dependencies=[Depends(require_csrf)])
async def rename(segment_id: int, request: Request, session: DbSession,
                 user: ManagerPage) -> Response:
    name = str((await request.form()).get("name", ""))
    seg = segment_service.update_segment(session, segment_id, actor=user, name=name)
    flash(request, f"Renamed to {seg.name}; the name stays across recomputation.", "success")
    return RedirectResponse(f"/segments/{segment_id}", status_code=303)


@router.post("/segments/{segment_id:int}/delete", dependencies=[Depends(require_csrf)])
def delete(segment_id: int, request: Request, session: DbSession, user: ManagerPage) -> Response:
    segment_service.delete_segment(session, segment_id, actor=user)
    flash(request, "Segment deleted.", "success")
    return RedirectResponse("/segments", status_code=303)
