"""Domain events fan out to webhook subscribers through the outbox."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.db.base import utcnow
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxKind, WebhookEndpoint


def emit(session: Session, *, event: str, data: dict[str, Any], flush: bool = True) -> int:
    """Queue one delivery per subscribed endpoint; returns how many were queued.

    The event id is a new UUID, so its dedup keys cannot exist yet: no look-up per item.
    ``flush=False`` leaves the INSERTs to the caller's next flush.
    """
    endpoints = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active)
    ).all()
    event_id = str(uuid.uuid4())
    queued = 0
    for endpoint in endpoints:
        if endpoint.events and event not in endpoint.events:
            continue
        outbox_service.enqueue(
            session,
            kind=OutboxKind.WEBHOOK,
            fresh_key=True,
            flush=False,
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
    if flush and queued:
        session.flush()
    return queued
