"""Domain events fan out to webhook subscribers through the outbox."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.db.base import utcnow
from fairdesk.db.committed_cache import CommittedCache
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxKind, WebhookEndpoint


def _subscriptions(session: Session) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Active endpoints and the events each wants (empty: every event)."""
    return tuple(
        (endpoint_id, tuple(wanted or ()))
        for endpoint_id, wanted in session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events)
            .where(WebhookEndpoint.active)
            .order_by(WebhookEndpoint.id)
        )
    )


# Every ticket event reads the subscriptions; endpoints are added or switched off rarely.
subscriptions = CommittedCache((WebhookEndpoint,), _subscriptions)


def emit(session: Session, *, event: str, data: dict[str, Any], flush: bool = True) -> int:
    """Queue one delivery per subscribed endpoint; returns how many were queued.

    The event id is a new UUID, so its dedup keys cannot exist yet: no look-up per item.
    ``flush=False`` leaves the INSERTs to the caller's next flush.
    """
    event_id = str(uuid.uuid4())
    queued = 0
    for endpoint_id, wanted in subscriptions.get(session):
        if wanted and event not in wanted:
            continue
        outbox_service.enqueue(
            session,
            kind=OutboxKind.WEBHOOK,
            fresh_key=True,
            flush=False,
            dedup_key=f"webhook:{endpoint_id}:{event_id}",
            payload={
                "endpoint_id": endpoint_id,
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
