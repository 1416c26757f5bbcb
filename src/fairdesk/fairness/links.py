"""Signed, expiring portal links to one fairness decision, so a customer can read and appeal it.

Like the ticket portal (``tickets.portal``) the customer has no account: the link names the
decision *and* the customer it was sent to, signed with ``Settings.secret_key`` under a salt of
its own, so neither a ticket link nor a session cookie can pass as one. Its age is checked
against ``Settings.portal_link_max_age_s``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from fairdesk.auth import signed_links
from fairdesk.config import Settings, get_settings
from fairdesk.fairness.models import RestrictionKind
from fairdesk.fairness.restrictions import CUSTOMER_WORDS, active_for
from fairdesk.tickets.portal import LinkExpired, LinkInvalid

SALT = "fairdesk.portal.fairness.v1"


@dataclass(frozen=True)
class DecisionGrant:
    """What a valid token allows: reading and appealing one decision about one customer."""

    decision_id: int
    customer_id: int


def sign(*, decision_id: int, customer_id: int, settings: Settings | None = None) -> str:
    return signed_links.sign([decision_id, customer_id], salt=SALT, settings=settings)


def link_for(*, decision_id: int, customer_id: int, settings: Settings | None = None) -> str:
    """The absolute link put in the customer's notice e-mail."""
    settings = settings or get_settings()
    token = sign(decision_id=decision_id, customer_id=customer_id, settings=settings)
    return f"{settings.public_base_url.rstrip('/')}/portal/decisions/{token}"


def read(token: str, *, settings: Settings | None = None) -> DecisionGrant:
    """Check signature and age; raise ``LinkInvalid`` (403) or ``LinkExpired`` (410)."""
    settings = settings or get_settings()
    invalid = LinkInvalid("this link is not valid")
    payload = signed_links.unsign(
        token,
        salt=SALT,
        max_age=settings.portal_link_max_age_s,
        invalid=invalid,
        expired=LinkExpired("this link has expired"),
        settings=settings,
    )
    ids = signed_links.positive_ids(payload, 2)
    if ids is None:
        raise invalid
    return DecisionGrant(decision_id=ids[0], customer_id=ids[1])


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
