"""REST endpoints for the goodwill policy, recommendations, grants and approvals (/api/v1)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from starlette import status

from fairdesk.auth.deps import ApiManager, ApiUser
from fairdesk.auth.models import Role
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import ValidationFailed
from fairdesk.goodwill import grants, ledger
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.goodwill.rules import GestureRequest, Recommendation
from fairdesk.goodwill.schemas import (
    BudgetOut,
    DecisionIn,
    DeclineIn,
    GestureIn,
    GestureOut,
    PolicyVersionOut,
    PolicyVersionSummary,
    RecommendationOut,
    SpendRow,
)

router = APIRouter(prefix="/goodwill", tags=["goodwill"])
YAML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


def _version_response(version: Any, fmt: str) -> Any:
    if fmt == "yaml":
        return Response(version.source, media_type="application/yaml")
    return PolicyVersionOut.model_validate(version)


@router.get("/policy", response_model=PolicyVersionOut)
def get_policy(
    session: DbSession, user: ApiUser, format: Literal["json", "yaml"] = "json"
) -> Any:
    """The policy in force; ``?format=yaml`` exports it as the YAML file it was saved from."""
    return _version_response(goodwill_service.current_version(session), format)


@router.put("/policy", response_model=PolicyVersionOut, status_code=status.HTTP_201_CREATED,
            openapi_extra=YAML_BODY)
async def put_policy(
    request: Request, session: DbSession, user: ApiManager,
    note: Annotated[str, Query(max_length=300)] = "",
) -> Any:
    """Save a new version from YAML or JSON. Errors name line and field; nothing changes."""
    raw = await request.body()
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("the policy must be UTF-8 text", field="(body)") from exc
    version = goodwill_service.save_policy(session, source=source, actor=user, note=note)
    return PolicyVersionOut.model_validate(version)


@router.get("/policy/versions", response_model=list[PolicyVersionSummary])
def list_versions(session: DbSession, user: ApiUser) -> Any:
    goodwill_service.current_version(session)
    return goodwill_service.list_versions(session)


@router.get("/policy/versions/{number}", response_model=PolicyVersionOut)
def get_version(
    number: int, session: DbSession, user: ApiUser, format: Literal["json", "yaml"] = "json"
) -> Any:
    return _version_response(goodwill_service.get_version(session, number), format)


def _recommendation_out(rec: Recommendation, version: Any, label: str) -> RecommendationOut:
    d = rec.decision
    return RecommendationOut(
        remedy=rec.remedy, remedy_label=label, amount=rec.amount, currency=rec.currency,
        outcome=str(d.outcome), rule=d.rule, limit=d.limit, reasons=list(d.reasons),
        explanation=d.explanation, policy_version=version.number,
    )


@router.get("/tickets/{ticket_id}/recommendation", response_model=RecommendationOut)
def recommendation(ticket_id: int, session: DbSession, user: ApiUser) -> RecommendationOut:
    """The remedy to offer, whether you may grant it yourself, and the rule that says so."""
    rec, version = goodwill_service.recommendation_for(session, ticket_id=ticket_id, actor=user)
    label = goodwill_service.rules_of(session, version).remedies[rec.remedy].label
    return _recommendation_out(rec, version, label)


def _request(data: GestureIn) -> GestureRequest:
    return GestureRequest(data.remedy, data.amount, data.currency.upper(), data.receipt)


@router.post("/tickets/{ticket_id}/grants", response_model=GestureOut,
             status_code=status.HTTP_201_CREATED)
def grant(
    ticket_id: int, data: GestureIn, session: DbSession, user: ApiUser,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Gesture:
    """Grant within your discretion (final); above it: 403 ``over_limit`` naming the limit."""
    return grants.grant(session, ticket_id=ticket_id, actor=user, request=_request(data),
                        note=data.note, idempotency_key=idempotency_key)


@router.post("/tickets/{ticket_id}/approval-requests", response_model=GestureOut,
             status_code=status.HTTP_201_CREATED)
def request_approval(
    ticket_id: int, data: GestureIn, session: DbSession, user: ApiUser,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Gesture:
    """Ask a manager; the customer is told it is being looked at and by when."""
    return grants.request_approval(session, ticket_id=ticket_id, actor=user,
                                   request=_request(data), note=data.note,
                                   idempotency_key=idempotency_key)


@router.get("/approvals", response_model=list[GestureOut])
def approvals(session: DbSession, user: ApiManager) -> Any:
    """Pending approval requests, oldest first."""
    return list(reversed(ledger.gestures(session, status=GestureStatus.PENDING, limit=500)))


@router.post("/approvals/{gesture_id}/approve", response_model=GestureOut)
def approve(gesture_id: int, data: DecisionIn, session: DbSession, user: ApiManager) -> Gesture:
    return grants.approve(session, gesture_id=gesture_id, approver=user, note=data.note,
                          via="api")


@router.post("/approvals/{gesture_id}/decline", response_model=GestureOut)
def decline(gesture_id: int, data: DeclineIn, session: DbSession, user: ApiManager) -> Gesture:
    return grants.decline(session, gesture_id=gesture_id, approver=user, reason=data.reason,
                          via="api")


@router.get("/gestures", response_model=list[GestureOut])
def gestures(
    session: DbSession, user: ApiUser, customer_id: int | None = None,
    order_id: int | None = None, ticket_id: int | None = None,
    gesture_status: Annotated[GestureStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0)] = 0,
) -> Any:
    """The ledger; agents see their own gestures, managers everyone's."""
    actor = None if Role(user.role).at_least(Role.MANAGER) else user.id
    return ledger.gestures(session, customer_id=customer_id, order_id=order_id,
                           ticket_id=ticket_id, actor_id=actor, status=gesture_status,
                           limit=limit, offset=offset)


def _budget_out(b: ledger.AgentBudget) -> BudgetOut:
    return BudgetOut(
        staff_id=b.staff_id, name=b.name, role=b.role, per_gesture=b.per_gesture,
        per_day=b.per_day, per_month=b.per_month, spent_today=b.spent_today,
        spent_month=b.spent_month, left_today=b.left_today, left_month=b.left_month,
        granted_month=b.granted_month,
    )


@router.get("/budget", response_model=BudgetOut)
def my_budget(session: DbSession, user: ApiUser) -> BudgetOut:
    rules = goodwill_service.policy_of(goodwill_service.current_version(session))
    return _budget_out(ledger.budget_of(session, user, rules, utcnow().date()))


@router.get("/budgets", response_model=list[BudgetOut])
def budgets(session: DbSession, user: ApiManager) -> list[BudgetOut]:
    rules = goodwill_service.policy_of(goodwill_service.current_version(session))
    return [_budget_out(b) for b in ledger.budgets(session, rules, utcnow().date())]


@router.get("/report", response_model=list[SpendRow])
def report(
    session: DbSession, user: ApiManager,
    by: Literal["category", "remedy", "segment", "persona", "agent"] = "category",
) -> list[SpendRow]:
    """Granted goodwill summed by the chosen group."""
    return [SpendRow(group=g, amount=a, gestures=n) for g, a, n in ledger.spend_by(session, by)]
