"""The outbox worker: claim due items, deliver them, settle each one.

Claiming leases items rather than holding row locks during network calls: in one short
transaction the due items are selected (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and their
``next_attempt_at`` pushed ``outbox_lease_s`` ahead by a conditional UPDATE that only wins
rows still due — so two workers, on either database, never both take an item. Items are then
sent one by one and settled in small groups. A worker killed between sending and settling
leaves the lease to expire and the items are sent again: delivery is at-least-once, and
receivers get stable ids (Message-ID, X-Fairdesk-Delivery) to drop repeats. Failures back off
exponentially and end as ``dead`` after the service's maximum attempts, kept for admins.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from fairdesk.config import Settings, get_settings
from fairdesk.db.base import utcnow
from fairdesk.db.session import unit_of_work
from fairdesk.errors import Conflict, NotFound
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox import webhooks
from fairdesk.outbox.models import OutboxItem, OutboxKind, OutboxStatus, WebhookEndpoint
from fairdesk.outbox.smtp import DeliveryError, MailSender, build_email, make_sender

logger = logging.getLogger(__name__)

# Outcomes are recorded this many at a time: one commit per item would make the database's
# fsync the bottleneck, one per batch would widen what a crash re-sends. A worker killed
# mid-group re-sends at most this many items once their lease expires.
SETTLE_EVERY = 10


@dataclass(frozen=True)
class Job:
    """What a delivery needs, copied out of the claim transaction."""

    id: int
    kind: OutboxKind
    payload: dict[str, Any]
    endpoint: tuple[str, str, bool] | None = None  # (url, secret, active) for webhooks


@dataclass
class BatchReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0  # will be retried
    dead: int = 0
    errors: list[str] = field(default_factory=list)


class Dispatcher:
    """Delivers one job of either kind; owns the SMTP sender and the HTTP client."""

    def __init__(
        self,
        settings: Settings,
        *,
        mailer: MailSender | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        self.settings = settings
        self.mailer = mailer or make_sender(settings)
        self.http = http or httpx.Client(timeout=settings.webhook_timeout_s, follow_redirects=False)

    def deliver(self, job: Job) -> None:
        """Returns on success; raises ``DeliveryError`` (retry) or ``_Gone`` (give up)."""
        if job.kind == OutboxKind.EMAIL:
            self.mailer.send(build_email(job.payload, self.settings))
            return
        if job.kind != OutboxKind.WEBHOOK:
            raise _Gone(f"unknown outbox kind {job.kind!r}")
        if job.endpoint is None:
            raise _Gone(f"webhook endpoint {job.payload.get('endpoint_id')} was deleted")
        url, secret, active = job.endpoint
        if not active:
            raise DeliveryError(f"webhook endpoint {url} is paused")
        webhooks.deliver(self.http, url=url, secret=secret, body=job.payload.get("body") or {})

    def close_idle(self) -> None:
        """Drop the SMTP connection between batches; the HTTP pool keeps itself."""
        self.mailer.close()

    def close(self) -> None:
        self.mailer.close()
        self.http.close()


class _Gone(Exception):
    """The item can never be delivered (its endpoint is gone): dead at once, with the reason."""


def claim(
    session: Session, *, limit: int, lease: timedelta, now: datetime | None = None
) -> list[Job]:
    """Lease up to ``limit`` due items to this worker; returns what it won."""
    now = now or utcnow()
    candidates = outbox_service.claim_due(session, limit=limit, now=now)
    if not candidates:
        return []
    won = set(
        session.scalars(
            update(OutboxItem)
            .where(
                OutboxItem.id.in_([c.id for c in candidates]),
                OutboxItem.status == OutboxStatus.PENDING,
                OutboxItem.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + lease)
            .returning(OutboxItem.id)
            .execution_options(synchronize_session=False)
        )
    )
    endpoint_ids = {
        int(c.payload["endpoint_id"])
        for c in candidates
        if c.kind == OutboxKind.WEBHOOK and isinstance(c.payload.get("endpoint_id"), int)
    }
    endpoints = {
        e.id: (e.url, e.secret, e.active)
        for e in session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.id.in_(endpoint_ids))
        )
    }
    return [
        Job(
            id=c.id,
            kind=OutboxKind(c.kind),
            payload=dict(c.payload),
            endpoint=endpoints.get(c.payload.get("endpoint_id", -1)),
        )
        for c in candidates
        if c.id in won
    ]


@dataclass(frozen=True)
class _Outcome:
    job: Job
    error: str | None = None  # None: delivered
    gone: bool = False  # can never be delivered: dead at once


def _settle(
    engine: Engine, outcomes: list[_Outcome], *, report: BatchReport, now: datetime | None
) -> None:
    """Record a group of outcomes in one transaction (one commit, one fsync, per group)."""
    with unit_of_work(engine) as session:
        items = {
            i.id: i
            for i in session.scalars(
                select(OutboxItem).where(OutboxItem.id.in_([o.job.id for o in outcomes]))
            )
        }
        for outcome in outcomes:
            item = items.get(outcome.job.id)
            if item is None or item.status != OutboxStatus.PENDING:
                continue
            _settle_one(item, outcome, report=report, now=now)


def _settle_one(
    item: OutboxItem, outcome: _Outcome, *, report: BatchReport, now: datetime | None
) -> None:
    error = outcome.error
    if error is None:
        outbox_service.mark_sent(item, now=now)
        report.sent += 1
        return
    if outcome.gone:
        item.attempts += 1
        item.last_error = error[:2000]
        item.status = OutboxStatus.DEAD
    else:
        outbox_service.mark_failed(item, error, now=now)
    if item.status == OutboxStatus.DEAD:
        report.dead += 1
        logger.warning(
            "outbox item %d is dead after %d attempts: %s", item.id, item.attempts, error
        )
    else:
        report.failed += 1
    report.errors.append(f"{item.id}: {error}")


def _attempt(dispatcher: Dispatcher, job: Job) -> _Outcome:
    try:
        dispatcher.deliver(job)
    except _Gone as exc:
        return _Outcome(job, str(exc), gone=True)
    except DeliveryError as exc:
        return _Outcome(job, str(exc))
    except Exception as exc:  # a bad payload must not stall the batch: retry, then dead
        logger.exception("outbox item %d failed unexpectedly", job.id)
        return _Outcome(job, f"{type(exc).__name__}: {exc}")
    return _Outcome(job)


def run_once(
    engine: Engine,
    *,
    settings: Settings | None = None,
    dispatcher: Dispatcher | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> BatchReport:
    """One batch: claim, deliver, settle. Safe to run in several processes at once."""
    settings = settings or get_settings()
    own = dispatcher is None
    dispatcher = dispatcher or Dispatcher(settings)
    report = BatchReport()
    try:
        with unit_of_work(engine) as session:
            jobs = claim(
                session,
                limit=limit or settings.outbox_batch_size,
                lease=timedelta(seconds=settings.outbox_lease_s),
                now=now,
            )
        report.claimed = len(jobs)
        pending: list[_Outcome] = []
        for job in jobs:
            pending.append(_attempt(dispatcher, job))
            if len(pending) >= SETTLE_EVERY:
                _settle(engine, pending, report=report, now=now)
                pending = []
        if pending:
            _settle(engine, pending, report=report, now=now)
    finally:
        if own:
            dispatcher.close()
        else:
            dispatcher.close_idle()
    return report


def run_forever(engine: Engine, *, stop: threading.Event, settings: Settings | None = None) -> None:
    """Poll until ``stop`` is set; a full batch is followed at once by the next one."""
    settings = settings or get_settings()
    dispatcher = Dispatcher(settings)
    try:
        while not stop.is_set():
            try:
                report = run_once(engine, settings=settings, dispatcher=dispatcher)
            except Exception:  # the database went away: keep the worker alive, try later
                logger.exception("outbox batch failed; retrying after the poll interval")
                stop.wait(settings.outbox_poll_interval_s)
                continue
            if report.claimed < settings.outbox_batch_size:
                stop.wait(settings.outbox_poll_interval_s)
    finally:
        dispatcher.close()


def requeue(session: Session, *, item_id: int) -> OutboxItem:
    """Give a dead item a fresh set of attempts (after its cause is fixed)."""
    item = session.get(OutboxItem, item_id)
    if item is None:
        raise NotFound(f"no outbox item with id {item_id}", field="item_id")
    if item.status != OutboxStatus.DEAD:
        raise Conflict(f"outbox item {item_id} is {item.status}, not dead", field="item_id")
    item.status = OutboxStatus.PENDING
    item.attempts = 0
    item.next_attempt_at = utcnow()
    return item
