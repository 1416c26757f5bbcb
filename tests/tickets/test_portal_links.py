"""Portal links: bound to one ticket and one customer, tamper-proof, and they expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import delete
from sqlalchemy.orm import Session

from fairdesk.config import Settings, get_settings
from fairdesk.errors import NotFound
from fairdesk.tickets import portal
from fairdesk.tickets.models import Ticket
from fairdesk.tickets.portal import LinkExpired, LinkInvalid, PortalGrant
from tests.factories import make_customer
from tests.web.ticket_helpers import new_ticket, tamper

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = Settings(secret_key="portal-test-secret-0123456789", portal_link_max_age_s=3600)
ids = st.integers(min_value=1, max_value=2**63 - 1)


def _sign(ticket_id: int = 7, customer_id: int = 9, at: datetime = T0) -> str:
    return portal.sign(ticket_id=ticket_id, customer_id=customer_id, now=at, settings=SETTINGS)


def _raw(
    payload: Any, secret: str = "portal-test-secret-0123456789", salt: str = portal.SALT
) -> str:
    """A token with a genuine signature over any payload, to test payload checks alone."""
    return URLSafeTimedSerializer(secret, salt=salt).dumps(payload)


@given(ticket_id=ids, customer_id=ids)
def test_round_trip_binds_ticket_and_customer(ticket_id: int, customer_id: int) -> None:
    token = _sign(ticket_id, customer_id)
    assert portal.read(token, now=T0, settings=SETTINGS) == PortalGrant(ticket_id, customer_id)


def test_link_is_valid_until_max_age_and_expired_after() -> None:
    token = _sign()
    assert portal.read(token, now=T0 + timedelta(seconds=3600), settings=SETTINGS).ticket_id == 7
    with pytest.raises(LinkExpired) as exc:
        portal.read(token, now=T0 + timedelta(seconds=3601), settings=SETTINGS)
    assert exc.value.status_code == 410
    # An expired link is still genuine: only good for mailing a fresh one to the owner.
    assert portal.read_expired(token, settings=SETTINGS) == PortalGrant(7, 9)


@pytest.mark.parametrize("position", [0, 5, -1, -10])
def test_any_changed_character_is_refused(position: int) -> None:
    token = _sign()
    tampered = tamper(token, position)
    assert tampered != token and len(tampered) == len(token)
    with pytest.raises(LinkInvalid) as exc:
        portal.read(tampered, now=T0, settings=SETTINGS)
    assert exc.value.status_code == 403


def test_payload_swapped_between_two_genuine_tokens_is_refused() -> None:
    mine, theirs = _sign(1, 1), _sign(2, 2)
    forged = theirs.split(".")[0] + "." + ".".join(mine.split(".")[1:])
    with pytest.raises(LinkInvalid):
        portal.read(forged, now=T0, settings=SETTINGS)


FOREIGN_OR_MALFORMED = {
    "other key": _raw([1, 2], secret="another-secret-key-xxxxxxxx"),
    "other salt": _raw([1, 2], salt="starlette.sessions"),  # another purpose's signature
    "dict": _raw({"t": 1, "c": 2}),
    "one id": _raw([1]),
    "three ids": _raw([1, 2, 3]),
    "string id": _raw(["1", 2]),
    "bool id": _raw([True, 2]),
    "zero id": _raw([0, 2]),
    "negative id": _raw([-1, 2]),
    "float id": _raw([1.5, 2]),
    "null": _raw(None),
    "empty": "",
    "dots": "...",
    "words": "not-a-token",
}


# Named ids: the tokens carry the time they were signed, which differs between test workers.
@pytest.mark.parametrize("token", FOREIGN_OR_MALFORMED.values(), ids=FOREIGN_OR_MALFORMED.keys())
def test_foreign_or_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(LinkInvalid):
        portal.read(token, settings=SETTINGS)  # signed just now: only the payload is wrong


@given(st.text(max_size=200))
def test_garbage_is_refused_never_crashes(token: str) -> None:
    with pytest.raises((LinkInvalid, LinkExpired)):
        portal.read(token, now=T0, settings=SETTINGS)


def test_link_for_is_absolute_and_opens_its_ticket(session: Session) -> None:
    ticket = new_ticket(session, make_customer(session))
    link = portal.link_for(ticket)
    assert link.startswith(get_settings().public_base_url.rstrip("/") + "/portal/t/")
    grant, opened = portal.open_ticket(session, link.rsplit("/", 1)[1])
    assert opened.id == ticket.id and grant.customer_id == ticket.customer_id


def test_a_token_for_someone_elses_ticket_is_refused(session: Session) -> None:
    alice, bob = make_customer(session), make_customer(session)
    bobs = new_ticket(session, bob)
    # Genuinely signed, but naming Alice as the holder of Bob's ticket.
    token = portal.sign(ticket_id=bobs.id, customer_id=alice.id)
    with pytest.raises(LinkInvalid):
        portal.open_ticket(session, token)


def test_a_token_for_a_deleted_ticket_is_not_found(session: Session) -> None:
    ticket = new_ticket(session, make_customer(session))
    token = portal.sign(ticket_id=ticket.id, customer_id=ticket.customer_id)
    session.execute(delete(Ticket).where(Ticket.id == ticket.id))
    session.expunge(ticket)
    with pytest.raises(NotFound):
        portal.open_ticket(session, token)
