"""Signed, expiring links to one survey invitation: the customer's only key to answer.

The token carries ``[invitation id, nonce, ticket id or 0]`` signed with ``Settings.secret_key``
and a salt of its own, so neither a portal link nor a session cookie can pass for one. The
ticket id is also in the URL path: a link issued for ticket X pasted onto ticket Y's path is
refused even though its signature is genuine. The signature's age is checked against
``survey_link_max_age_s``; the invitation row is then checked too (its nonce and its own
``expires_at``), so a link stays tied to exactly one invitation.

Like portal links, signing and checking both use ``get_settings()``: links are signed when a
ticket is solved, outside any request, and the page must verify them with the same key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fairdesk.auth import signed_links
from fairdesk.config import Settings, get_settings
from fairdesk.errors import FairdeskError

SALT = "fairdesk.survey.invitation.v1"
MAX_TOKEN_CHARS = 300
RELATIONSHIP_SCOPE = "nps"  # the path part of a survey that is about no ticket


class SurveyLinkInvalid(FairdeskError):
    """Tampered, truncated, signed with another key, or used on another ticket's path."""

    status_code = 403
    code = "survey_link_invalid"


class SurveyLinkExpired(FairdeskError):
    """Genuine but too old: 410, this survey is closed for good."""

    status_code = 410
    code = "survey_link_expired"


@dataclass(frozen=True)
class LinkGrant:
    """What a valid token names: one invitation (and the ticket it was about, if any)."""

    invitation_id: int
    nonce: str
    ticket_id: int | None


def scope_of(ticket_id: int | None) -> str:
    """The path part naming what the survey is about: the ticket id, or ``nps``."""
    return str(ticket_id) if ticket_id is not None else RELATIONSHIP_SCOPE


def sign(
    *,
    invitation_id: int,
    nonce: str,
    ticket_id: int | None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> str:
    """A URL-safe token for one invitation, issued at ``now``."""
    payload: list[int | str] = [invitation_id, nonce, ticket_id or 0]
    return signed_links.sign(payload, salt=SALT, now=now, settings=settings)


def path_for(token: str, ticket_id: int | None) -> str:
    """The answer page's path for a token (relative, for pages and redirects)."""
    return f"/survey/{scope_of(ticket_id)}/{token}"


def url_for(
    *,
    invitation_id: int,
    nonce: str,
    ticket_id: int | None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> str:
    """The absolute answer-page link, as put in e-mails."""
    settings = settings or get_settings()
    token = sign(
        invitation_id=invitation_id, nonce=nonce, ticket_id=ticket_id, now=now, settings=settings
    )
    return settings.public_base_url.rstrip("/") + path_for(token, ticket_id)


def read(
    token: str,
    *,
    scope: str,
    now: datetime | None = None,
    settings: Settings | None = None,
    any_age: bool = False,
) -> LinkGrant:
    """Check signature, age and that ``scope`` (the path) names the token's ticket.

    ``any_age`` skips the age check only: opting out must work from an old e-mail too.
    """
    settings = settings or get_settings()
    invalid = SurveyLinkInvalid("this survey link is not valid")
    payload = signed_links.unsign(
        token,
        salt=SALT,
        max_age=None if any_age else settings.survey_link_max_age_s,
        invalid=invalid,
        expired=SurveyLinkExpired("this survey has closed"),
        now=now,
        settings=settings,
        max_chars=MAX_TOKEN_CHARS,
    )
    grant = _grant(payload)
    if grant is None or scope != scope_of(grant.ticket_id):
        raise invalid
    return grant


def _grant(payload: Any) -> LinkGrant | None:
    if not (isinstance(payload, list) and len(payload) == 3):
        return None
    invitation_id, nonce, ticket_id = payload
    if type(invitation_id) is not int or invitation_id <= 0:
        return None
    if not isinstance(nonce, str) or type(ticket_id) is not int or ticket_id < 0:
        return None
    return LinkGrant(invitation_id=invitation_id, nonce=nonce, ticket_id=ticket_id or None)
