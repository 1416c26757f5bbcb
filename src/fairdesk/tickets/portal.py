"""Signed, expiring customer links to one ticket: the customer portal's only key.

A customer has no account. The acknowledgement e-mail carries a link whose token names the
ticket *and* the customer it was issued to, signed with ``Settings.secret_key`` and a salt of
its own (a session cookie or any other signed value can never pass as a portal token). Opening
a link checks the signature, its age (``Settings.portal_link_max_age_s``) and that the ticket
still belongs to that customer, so a link can only ever show the one ticket it was sent for.

Signing and checking both use ``get_settings()``: intake signs links for e-mails outside any
request, and the page must verify them with the very same key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from fairdesk.auth import signed_links
from fairdesk.config import Settings, get_settings
from fairdesk.errors import FairdeskError, NotFound
from fairdesk.tickets.models import Ticket

SALT = "fairdesk.portal.ticket.v1"


class LinkInvalid(FairdeskError):
    """Tampered, truncated, signed with another key, or issued for someone else's ticket."""

    status_code = 403
    code = "link_invalid"


class LinkExpired(FairdeskError):
    """Genuine but older than ``portal_link_max_age_s``: 410, the link is gone for good."""

    status_code = 410
    code = "link_expired"


@dataclass(frozen=True)
class PortalGrant:
    """What a valid token allows: reading and replying to one ticket of one customer."""

    ticket_id: int
    customer_id: int


def sign(
    *,
    ticket_id: int,
    customer_id: int,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> str:
    """A URL-safe token for one ticket of one customer, issued at ``now``."""
    return signed_links.sign([ticket_id, customer_id], salt=SALT, now=now, settings=settings)


def link_for(ticket: Ticket, *, settings: Settings | None = None) -> str:
    """The absolute portal link for a ticket's own customer, as put in e-mails."""
    settings = settings or get_settings()
    token = sign(ticket_id=ticket.id, customer_id=ticket.customer_id, settings=settings)
    return f"{settings.public_base_url.rstrip('/')}/portal/t/{token}"


def read(
    token: str, *, now: datetime | None = None, settings: Settings | None = None
) -> PortalGrant:
    """Check a token's signature and age; raise ``LinkInvalid`` or ``LinkExpired``."""
    settings = settings or get_settings()
    return _grant(token, settings, now, max_age=settings.portal_link_max_age_s)


def read_expired(token: str, *, settings: Settings | None = None) -> PortalGrant:
    """The grant of a genuine token whatever its age: only to e-mail a fresh link to the
    address on file, never to show the ticket."""
    return _grant(token, settings or get_settings(), None, max_age=None)


def _grant(
    token: str, settings: Settings, now: datetime | None, *, max_age: int | None
) -> PortalGrant:
    invalid = LinkInvalid("this link is not valid")
    payload = signed_links.unsign(
        token,
        salt=SALT,
        max_age=max_age,
        invalid=invalid,
        expired=LinkExpired("this link has expired"),
        now=now,
        settings=settings,
    )
    ids = signed_links.positive_ids(payload, 2)
    if ids is None:
        raise invalid
    return PortalGrant(ticket_id=ids[0], customer_id=ids[1])


def open_ticket(
    session: Session, token: str, *, now: datetime | None = None
) -> tuple[PortalGrant, Ticket]:
    """The ticket a token opens, after checking it still belongs to the token's customer."""
    grant = read(token, now=now)
    ticket = session.get(Ticket, grant.ticket_id)
    if ticket is None:
        raise NotFound("this case no longer exists")
    if ticket.customer_id != grant.customer_id:
        raise LinkInvalid("this link is not valid")
    return grant, ticket
