"""Enqueue, claim and settle outbox items: plain functions taking a session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.db.base import utcnow
from fairdesk.outbox.models import OutboxItem, OutboxKind, OutboxStatus

MAX_ATTEMPTS = 8
BASE_BACKOFF = timedelta(seconds=30)


def enqueue(
    session: Session,
    *,
    kind: OutboxKind,
    payload: dict[str, Any],
    dedup_key: str | None = None,
    fresh_key: bool = False,
    flush: bool = True,
) -> OutboxItem:
    """Add work in the caller's transaction; an existing ``dedup_key`` returns the first item.

    ``fresh_key`` says the caller knows the key cannot exist yet (it names a row created in
    this very transaction, or a new UUID): the look-up is skipped, and the unique index on
    ``dedup_key`` still refuses a duplicate. ``flush=False`` leaves the INSERT to the caller's
    next flush, so a hot path can send several tables' rows in one flush.
    """
    if dedup_key is not None and not fresh_key:
        existing = session.scalar(select(OutboxItem).where(OutboxItem.dedup_key == dedup_key))
        if existing is not None:
            return existing
    item = OutboxItem(kind=kind, payload=payload, dedup_key=dedup_key)
    session.add(item)
    if flush:
        session.flush()
    return item


def claim_due(
    session: Session,
    *,
    kind: OutboxKind | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> Sequence[OutboxItem]:
    """Lock due items so that several workers never send the same one (SKIP LOCKED)."""
    now = now or utcnow()
    stmt = (
        select(OutboxItem)
        .where(OutboxItem.status == OutboxStatus.PENDING, OutboxItem.next_attempt_at <= now)
        .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
        .limit(limit)
    )
    if kind is not None:
        stmt = stmt.where(OutboxItem.kind == kind)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return session.scalars(stmt).all()


def mark_sent(item: OutboxItem, *, now: datetime | None = None) -> None:
    item.status = OutboxStatus.SENT
    item.sent_at = now or utcnow()
    item.attempts += 1
    item.last_error = None


def mark_failed(item: OutboxItem, error: str, *, now: datetime | None = None) -> None:
    """Retry with exponential backoff; after MAX_ATTEMPTS the item is kept as dead."""
    item.attempts += 1
    item.last_error = error[:2000]
    if item.attempts >= MAX_ATTEMPTS:
        item.status = OutboxStatus.DEAD
        return
    item.next_attempt_at = (now or utcnow()) + BASE_BACKOFF * (2 ** (item.attempts - 1))
