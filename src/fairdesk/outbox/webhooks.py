"""Webhooks: signed POSTs of ticket events, and the endpoints that receive them.

Each delivery is signed like Stripe's and GitHub's: ``X-Fairdesk-Signature`` is
``sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` keyed with the endpoint's secret, and
``X-Fairdesk-Timestamp`` is the Unix time of this attempt, so a receiver can refuse replays
outside a tolerance window. ``X-Fairdesk-Delivery`` is the event id — the same across retries
— so a receiver that sees it twice can drop the repeat (delivery is at-least-once).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth import service as auth_service
from fairdesk.auth.models import StaffUser
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.outbox.models import WebhookEndpoint
from fairdesk.outbox.smtp import DeliveryError

SIGNATURE_PREFIX = "sha256="
SECRET_PREFIX = "whsec_"
MIN_SECRET_LENGTH = 16
DEFAULT_TOLERANCE_S = 300
USER_AGENT = "fairdesk-webhooks/1"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Fairdesk-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    *,
    now: float | None = None,
) -> bool:
    """For receivers: is this delivery genuine and recent?

    ``timestamp`` and ``signature`` are the header values as received, ``body`` the raw
    request bytes (verify before parsing). False for a bad signature, a malformed timestamp,
    or one further than ``tolerance_s`` from ``now`` in either direction.
    """
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - sent) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature.strip())


def encode_body(body: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(body, separators=(",", ":"), sort_keys=True, default=str).encode()


def deliver(
    client: httpx.Client,
    *,
    url: str,
    secret: str,
    body: dict[str, Any],
    now: float | None = None,
) -> int:
    """POST one event; returns the HTTP status, or raises ``DeliveryError`` to retry."""
    data = encode_body(body)
    timestamp = int(time.time() if now is None else now)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Fairdesk-Event": str(body.get("event", "")),
        "X-Fairdesk-Delivery": str(body.get("id", "")),
        "X-Fairdesk-Timestamp": str(timestamp),
        "X-Fairdesk-Signature": sign(secret, timestamp, data),
    }
    try:
        response = client.post(url, content=data, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {url}: {type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"webhook {url}: HTTP {response.status_code} {response.text[:200]}")
    return response.status_code


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def create_endpoint(
    session: Session,
    *,
    actor: StaffUser,
    url: str,
    events: list[str],
    secret: str | None = None,
) -> WebhookEndpoint:
    """Subscribe ``url`` to ``events`` (empty: every event); the secret is returned once."""
    if not url.lower().startswith(("http://", "https://")):
        raise ValidationFailed("the webhook URL must start with http:// or https://", field="url")
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise ValidationFailed(
            f"a webhook secret needs at least {MIN_SECRET_LENGTH} characters", field="secret"
        )
    endpoint = WebhookEndpoint(url=url, secret=secret or new_secret(), events=sorted(set(events)))
    session.add(endpoint)
    session.flush()
    auth_service.record(
        session,
        actor=actor,
        action="webhook.create",
        entity_type="webhook_endpoint",
        entity_id=endpoint.id,
        details={"url": url, "events": endpoint.events},
    )
    return endpoint


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def set_active(
    session: Session, *, actor: StaffUser, endpoint_id: int, active: bool
) -> WebhookEndpoint:
    """Pause or resume deliveries; while paused, events are not queued for the endpoint."""
    endpoint = _get(session, endpoint_id)
    if endpoint.active != active:
        endpoint.active = active
        auth_service.record(
            session,
            actor=actor,
            action="webhook.activate" if active else "webhook.deactivate",
            entity_type="webhook_endpoint",
            entity_id=endpoint.id,
            details={"url": endpoint.url},
        )
    return endpoint


def delete_endpoint(session: Session, *, actor: StaffUser, endpoint_id: int) -> None:
    """Remove a subscription; deliveries still queued for it end as dead, with the reason."""
    endpoint = _get(session, endpoint_id)
    auth_service.record(
        session,
        actor=actor,
        action="webhook.delete",
        entity_type="webhook_endpoint",
        entity_id=endpoint.id,
        details={"url": endpoint.url},
    )
    session.delete(endpoint)
    session.flush()


def _get(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"no webhook endpoint with id {endpoint_id}", field="endpoint_id")
    return endpoint
