"""Signed, expiring portal links to one fairness decision, so a customer can read and appeal it.

Like the ticket portal (``tickets.portal``) the customer has no account: the link names the
decision *and* the customer it was sent to, signed with ``Settings.secret_key`` under a salt of
its own, so neither a ticket link nor a session cookie can pass as one. Its age is checked
against ``Settings.portal_link_max_age_s``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from fairdesk.config import Settings, get_settings
from fairdesk.fairness.models import RestrictionKind
from fairdesk.fairness.restrictions import CUSTOMER_WORDS, active_for
from fairdesk.tickets.portal import LinkExpired, LinkInvalid

SALT = "fairdesk.portal.fairness.v1"
MAX_TOKEN_CHARS = 400


@dataclass(frozen=True)
class DecisionGrant:
    """What a valid token allows: reading and appealing one decision about one customer."""

    decision_id: int
    customer_id: int


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key.get_secret_value(), salt=SALT)


def sign(*, decision_id: int, customer_id: int, settings: Settings | None = None) -> str:
    return _serializer(settings or get_settings()).dumps([decision_id, customer_id])


def link_for(*, decision_id: int, customer_id: int, settings: Settings | None = None) -> str:
    """The absolute link put in the customer's notice e-mail."""
    settings = settings or get_settings()
    token = sign(decision_id=decision_id, customer_id=customer_id, settings=settings)
    return f"{settings.public_base_url.rstrip('/')}/portal/decisions/{token}"


def read(token: str, *, settings: Settings | None = None) -> DecisionGrant:
    """Check signature and age; raise ``LinkInvalid`` (403) or ``LinkExpired`` (410)."""
    settings = settings or get_settings()
    if len(token) > MAX_TOKEN_CHARS:
        raise LinkInvalid("this link is not valid")
    try:
        payload: Any = _serializer(settings).loads(token, max_age=settings.portal_link_max_age_s)
    except SignatureExpired:
        raise LinkExpired("this link has expired") from None
    except BadData:
        raise LinkInvalid("this link is not valid") from None
    if not (
        isinstance(payload, list)
        and len(payload) == 2
        and all(type(v) is int and v > 0 for v in payload)
    ):
        raise LinkInvalid("this link is not valid")
    return DecisionGrant(decision_id=payload[0], customer_id=payload[1])


@dataclass(frozen=True)
class PortalNotice:
    """A decided restriction in force, as the customer's case portal mentions it."""

    words: str
    token: str


def notices_for(session: Session, *, customer_id: int) -> list[PortalNotice]:
    """Restrictions in force for this customer, each with a fresh link to read and appeal it.

    Only decisions count: an open case or a signal is never mentioned to the customer.
    """
    return [
        PortalNotice(
            words=CUSTOMER_WORDS[RestrictionKind(r.kind)],
            token=sign(decision_id=r.decision_id, customer_id=customer_id),
        )
        for r in active_for(session, customer_id=customer_id)
    ]
