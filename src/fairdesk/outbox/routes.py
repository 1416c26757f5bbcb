"""REST endpoints for webhook subscriptions and the outbox (mounted under /api/v1).

Managers only: a webhook sends ticket data to another system, and the outbox holds
customers' e-mails, so both are configuration, not front-line work. Every change is audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select
from starlette import status

from fairdesk.auth import service as auth_service
from fairdesk.auth.deps import ApiManager
from fairdesk.customers.schemas import Page
from fairdesk.db.deps import DbSession
from fairdesk.outbox import webhooks, worker
from fairdesk.outbox.models import OutboxItem, OutboxStatus
from fairdesk.outbox.schemas import (
    OutboxItemOut,
    WebhookCreate,
    WebhookCreated,
    WebhookOut,
    WebhookUpdate,
)

router = APIRouter(tags=["webhooks"])


@router.post("/webhooks", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
def create_webhook(data: WebhookCreate, session: DbSession, user: ApiManager) -> WebhookCreated:
    endpoint = webhooks.create_endpoint(
        session, actor=user, url=data.url, events=data.events, secret=data.secret
    )
    return WebhookCreated.model_validate(
        {**WebhookOut.model_validate(endpoint).model_dump(), "secret": endpoint.secret}
    )


@router.get("/webhooks", response_model=list[WebhookOut])
def list_webhooks(session: DbSession, user: ApiManager) -> list[WebhookOut]:
    return [WebhookOut.model_validate(e) for e in webhooks.list_endpoints(session)]


@router.patch("/webhooks/{endpoint_id}", response_model=WebhookOut)
def update_webhook(
    endpoint_id: int, data: WebhookUpdate, session: DbSession, user: ApiManager
) -> WebhookOut:
    endpoint = webhooks.set_active(session, actor=user, endpoint_id=endpoint_id, active=data.active)
    return WebhookOut.model_validate(endpoint)


@router.delete("/webhooks/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(endpoint_id: int, session: DbSession, user: ApiManager) -> Response:
    webhooks.delete_endpoint(session, actor=user, endpoint_id=endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/outbox", response_model=Page[OutboxItemOut], tags=["outbox"])
def list_outbox(
    session: DbSession,
    user: ApiManager,
    status: OutboxStatus = OutboxStatus.DEAD,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[OutboxItemOut]:
    """Outbox items by status; by default the dead ones, which need a person."""
    where = OutboxItem.status == status
    total = session.scalar(select(func.count()).select_from(OutboxItem).where(where)) or 0
    rows = session.scalars(
        select(OutboxItem).where(where).order_by(OutboxItem.id.desc()).limit(limit).offset(offset)
    )
    return Page(
        items=[OutboxItemOut.model_validate(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("/outbox/{item_id}/retry", response_model=OutboxItemOut, tags=["outbox"])
def retry_outbox_item(item_id: int, session: DbSession, user: ApiManager) -> OutboxItemOut:
    """Send a dead item again, with a fresh set of attempts."""
    item = worker.requeue(session, item_id=item_id)
    auth_service.record(
        session,
        actor=user,
        action="outbox.retry",
        entity_type="outbox",
        entity_id=item.id,
        details={"kind": str(item.kind), "last_error": item.last_error},
    )
    return OutboxItemOut.model_validate(item)
