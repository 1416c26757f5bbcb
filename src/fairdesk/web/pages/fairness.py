"""Fairness pages for managers: review queue, dossier and decision, appeals, decisions log.

A thin layer over ``fairness.review``, ``fairness.decisions`` and ``fairness.appeals``. The
dossier shows the customer's value next to the evidence, never as a reason: the decision form
offers the same four choices whatever the value. Every form posts with CSRF; a refused decision
(already decided, bad input) is a flash and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from math import ceil
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import ManagerPage
from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import Customer, Order
from fairdesk.db.deps import DbSession
from fairdesk.errors import FairdeskError
from fairdesk.fairness import appeals as appeal_service
from fairdesk.fairness import decisions as decision_service
from fairdesk.fairness import notices, restrictions, review
from fairdesk.fairness.models import (
    AppealStatus,
    CaseStatus,
    DecisionKind,
    FairnessCase,
    FairnessDecision,
)
from fairdesk.goodwill.models import Gesture
from fairdesk.tickets.inbox_query import staff_names
from fairdesk.tickets.models import Message, Ticket
from fairdesk.web.paging import Pager, choice, window
from fairdesk.web.templating import flash, render

router = APIRouter()
CSRF = [Depends(require_csrf)]
PAGE_SIZE = 25
MAX_DB_ID = 2**63 - 1
PageNo = Annotated[int, Query(ge=1, le=100_000)]
DECISION_WORDS = {
    DecisionKind.DISMISS: "Dismiss: no action, the evidence is marked reviewed",
    DecisionKind.WARN: "Warn: send a respectful note (edit it below)",
    DecisionKind.RESTRICT: "Restrict one policy",
    DecisionKind.PART_WAYS: "Part ways: notice with the reason, open orders honoured",
}


def _pager(page: int, total: int, size: int) -> Pager:
    pages = max(1, ceil(total / size))
    return Pager(
        page=page,
        pages=pages,
        total=total,
        first_row=(page - 1) * size + 1,
        last_row=min(total, page * size),
        window=window(page, pages),
    )


@router.get("/fairness")
def queue_page(
    request: Request, session: DbSession, user: ManagerPage, page: PageNo = 1
) -> Response:
    found = review.list_cases(
        session, status=CaseStatus.OPEN, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    return render(
        request,
        "fairness/queue.html",
        {
            "cases": found.rows,
            "pager": _pager(page, found.total, PAGE_SIZE),
            "pending_appeals": appeal_service.pending_count(session),
        },
    )


def _ints(values: Iterable[Any]) -> list[int]:
    return [v for v in values if type(v) is int and 0 < v <= MAX_DB_ID]


def _evidence_links(session: Session, case: FairnessCase) -> dict[str, dict[int, Any]]:
    """What each evidence id in the dossier points at: orders, tickets, messages, gestures."""
    ids: dict[str, set[int]] = {
        "orders": set(),
        "tickets": set(),
        "messages": set(),
        "gestures": set(),
    }
    for signal in case.dossier.get("signals", []):
        for key, found in (signal.get("evidence") or {}).items():
            if key in ids and isinstance(found, list):
                ids[key].update(_ints(found))
    orders = session.scalars(select(Order).where(Order.id.in_(ids["orders"]))).all()
    tickets = session.execute(
        select(Ticket.id, Ticket.reference).where(Ticket.id.in_(ids["tickets"]))
    ).all()
    messages = session.execute(
        select(Message.id, Message.ticket_id).where(Message.id.in_(ids["messages"]))
    ).all()
    gestures = session.execute(
        select(Gesture.id, Gesture.ticket_id).where(Gesture.id.in_(ids["gestures"]))
    ).all()
    return {
        "orders": {o.id: o for o in orders},
        "tickets": dict(tickets),
        "messages": dict(messages),
        "gestures": dict(gestures),
    }


def _case_page(
    request: Request,
    session: Session,
    case: FairnessCase,
    *,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    customer = session.get(Customer, case.customer_id)
    decision = review.decision_of(session, case_id=case.id)
    appeal = appeal_service.appeal_of(session, decision_id=decision.id) if decision else None
    names = staff_names(
        session,
        [decision.decided_by_id if decision else None, appeal.reviewer_id if appeal else None],
    )
    template = notices.warning_template(customer) if customer else ""
    return render(
        request,
        "fairness/case.html",
        {
            "case": case,
            "d": case.dossier,
            "customer": customer,
            "decision": decision,
            "appeal": appeal,
            "names": names,
            "links": _evidence_links(session, case),
            "kinds": DECISION_WORDS,
            "policies": [(k.value, restrictions.STAFF_WORDS[k]) for k in restrictions.POLICIES],
            "form": form or {"kind": "", "reason": "", "restriction": "", "message": template},
            "active": restrictions.active_for(session, customer_id=case.customer_id),
            "staff_words": restrictions.STAFF_WORDS,
        },
        status_code=status_code,
    )


@router.get("/fairness/cases/{case_id:int}")
def case_page(case_id: int, request: Request, session: DbSession, user: ManagerPage) -> Response:
    return _case_page(request, session, review.get_case(session, case_id))


@router.post("/fairness/cases/{case_id:int}/decide", dependencies=CSRF)
def decide(
    case_id: int,
    request: Request,
    session: DbSession,
    user: ManagerPage,
    customer_id: Annotated[int, Form(gt=0, le=MAX_DB_ID)],
    kind: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=decision_service.MAX_REASON_CHARS * 2)] = "",
    restriction: Annotated[str, Form(max_length=40)] = "",
    message: Annotated[str, Form(max_length=decision_service.MAX_MESSAGE_CHARS * 2)] = "",
) -> Response:
    """Record the decision; on any refusal the form comes back with what was typed."""
    case = review.get_case(session, case_id)
    data = decision_service.DecisionInput(
        customer_id=customer_id,
        kind=kind,
        reason=reason,
        restriction=restriction if kind == DecisionKind.RESTRICT else None,
        message=message if kind == DecisionKind.WARN else None,
    )
    try:
        decision = decision_service.decide(session, case_id=case_id, actor=user, data=data)
    except FairdeskError as exc:
        flash(request, exc.message, "error")
        session.refresh(case)
        form = {"kind": kind, "reason": reason, "restriction": restriction, "message": message}
        return _case_page(request, session, case, form=form, status_code=exc.status_code)
    flash(
        request,
        f"Decided: {decision.kind.replace('_', ' ')}. It is in the decisions log.",
        "success",
    )
    return RedirectResponse(f"/fairness/cases/{case_id}", status_code=303)


@router.get("/fairness/appeals")
def appeals_page(request: Request, session: DbSession, user: ManagerPage) -> Response:
    rows = appeal_service.list_appeals(session)
    deciders = staff_names(
        session, [d.decided_by_id for _, d in rows] + [a.reviewer_id for a, _ in rows]
    )
    waiting = {
        a.id: not appeal_service.other_managers(session, decided_by_id=d.decided_by_id)
        for a, d in rows
        if a.status == AppealStatus.PENDING
    }
    customers = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.id.in_({a.customer_id for a, _ in rows}))
        )
    }
    return render(
        request,
        "fairness/appeals.html",
        {
            "rows": rows,
            "names": deciders,
            "waiting": waiting,
            "customers": customers,
            "me": user.id,
        },
    )


@router.post("/fairness/appeals/{appeal_id:int}", dependencies=CSRF)
def review_appeal(
    appeal_id: int,
    request: Request,
    session: DbSession,
    user: ManagerPage,
    outcome: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=appeal_service.MAX_REASON_CHARS * 2)] = "",
) -> Response:
    try:
        appeal = appeal_service.review(
            session, appeal_id=appeal_id, actor=user, outcome=outcome, reason=reason
        )
        flash(request, f"Appeal {appeal.status}; the customer has been told.", "success")
    except FairdeskError as exc:
        flash(request, exc.message, "error")
    return RedirectResponse("/fairness/appeals", status_code=303)


@router.get("/fairness/decisions")
def decisions_page(
    request: Request,
    session: DbSession,
    user: ManagerPage,
    page: PageNo = 1,
    kind: Annotated[str, Query(max_length=40)] = "",
    decided_by: Annotated[int | None, Query(alias="by", gt=0, le=MAX_DB_ID)] = None,
    customer: Annotated[int | None, Query(gt=0, le=MAX_DB_ID)] = None,
) -> Response:
    where = review.DecisionFilter(
        kind=choice(DecisionKind, kind, "kind"), decided_by_id=decided_by, customer_id=customer
    )
    rows, total = review.list_decisions(
        session, where=where, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    managers = session.scalars(
        select(StaffUser)
        .where(StaffUser.id.in_(select(FairnessDecision.decided_by_id).distinct()))
        .order_by(StaffUser.name)
    ).all()
    names = {m.id: m.name for m in managers}
    query = {"kind": kind, "by": decided_by or "", "customer": customer or ""}
    return render(
        request,
        "fairness/decisions.html",
        {
            "rows": rows,
            "pager": _pager(page, total, PAGE_SIZE),
            "names": names,
            "kinds": list(DecisionKind),
            "managers": managers,
            "query": query,
        },
    )
