"""Domain events fan out to webhook subscribers through the outbox."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.db.base import utcnow
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxKind, WebhookEndpoint


def emit(session: Session, *, event: str, data: dict[str, Any]) -> int:
    """Queue one delivery per subscribed endpoint; returns how many were queued."""
    endpoints = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active)).all()
    event_id = str(uuid.uuid4())
    queued = 0
    for endpoint in endpoints:
        if endpoint.events and event not in endpoint.events:
            continue
        outbox_service.enqueue(
            session,
            kind=OutboxKind.WEBHOOK,
            dedup_key=f"webhook:{endpoint.id}:{event_id}",
            payload={
                "endpoint_id": endpoint.id,
                "body": {
                    "id": event_id,
                    "event": event,
                    "created_at": utcnow().isoformat(),
                    "data": data,
                },
            },
        )
        queued += 1
    return queued
