"""Canned replies: stored texts with placeholders filled in for one ticket.

Placeholders are ``{name}`` from a fixed list. A template is checked when it is saved, so an
agent never meets a broken one mid-reply: an unknown name, attribute or index access
(``{first_name.__class__}``), a conversion or format spec, or a stray brace is refused with
the field named. Rendering goes through ``string.Formatter`` with plain strings only, so a
template can never reach into Python objects. A value the ticket does not have (no order on
file) is left as a visible ``[order number]`` gap and reported, never silently blank.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import Customer, Order
from fairdesk.errors import Conflict, NotFound, ValidationFailed
from fairdesk.tickets.models import CannedReply, Message, MessageKind, Ticket

TITLE_MAX = 120
BODY_MAX = 20_000
CATEGORY_MAX = 40

# name -> what a person calls it (shown in the editor and in gaps)
PLACEHOLDERS: dict[str, str] = {
    "first_name": "first name",
    "last_name": "last name",
    "full_name": "full name",
    "ticket_reference": "ticket reference",
    "ticket_subject": "ticket subject",
    "order_number": "order number",
    "agent_name": "agent name",
    "business_name": "business name",
}

_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Rendered:
    text: str
    missing: list[str]  # placeholder names the ticket had no value for


def placeholders_in(body: str) -> list[str]:
    """The placeholder names a template uses, in order; raise ``ValidationFailed`` if any is
    unknown or used with attribute access, indexing, a conversion or a format spec."""
    try:
        parts = list(_FORMATTER.parse(body))
    except ValueError as exc:
        raise ValidationFailed(
            f"body: {exc}; write a literal brace as {{{{ or }}}}", field="body"
        ) from None
    names: list[str] = []
    known = ", ".join("{" + n + "}" for n in PLACEHOLDERS)
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            shown = "{" + name + "}" if name else "{}"
            raise ValidationFailed(
                f"body: unknown placeholder {shown}; use one of {known}", field="body"
            )
        if spec or conversion:
            raise ValidationFailed(
                f"body: placeholder {{{name}}} takes no format or conversion; write {{{name}}}",
                field="body",
            )
        names.append(name)
    return names


def render(body: str, values: Mapping[str, str | None]) -> Rendered:
    """Fill a checked template; a missing value becomes a visible ``[label]`` gap."""
    names = placeholders_in(body)
    missing = [n for n in dict.fromkeys(names) if not values.get(n)]
    filled = {n: values.get(n) or f"[{PLACEHOLDERS[n]}]" for n in PLACEHOLDERS}
    return Rendered(text=_FORMATTER.vformat(body, (), filled), missing=missing)


def values_for(
    session: Session, ticket: Ticket, *, agent: StaffUser, business_name: str
) -> dict[str, str | None]:
    """Placeholder values for one ticket, as the agent who is replying."""
    customer = session.get(Customer, ticket.customer_id)
    order_number: str | None = None
    if ticket.order_id is not None:
        order = session.get(Order, ticket.order_id)
        order_number = order.external_id if order else None
    if order_number is None:
        order_number = _order_number_given(session, ticket.id)
    first = customer.first_name if customer else ""
    last = customer.last_name if customer else ""
    return {
        "first_name": first or None,
        "last_name": last or None,
        "full_name": f"{first} {last}".strip() or None,
        "ticket_reference": ticket.reference,
        "ticket_subject": ticket.subject,
        "order_number": order_number,
        "agent_name": agent.name,
        "business_name": business_name,
    }


def _order_number_given(session: Session, ticket_id: int) -> str | None:
    """An order number the customer typed in the web form, kept on their first message."""
    meta = session.scalar(
        select(Message.meta)
        .where(Message.ticket_id == ticket_id, Message.kind == MessageKind.CUSTOMER)
        .order_by(Message.id)
        .limit(1)
    )
    value = (meta or {}).get("order_number")
    return value if isinstance(value, str) and value else None


def list_canned(session: Session) -> Sequence[CannedReply]:
    """By category, the uncategorised last, then by title: the picker's order."""
    return session.scalars(
        select(CannedReply).order_by(CannedReply.category.asc().nulls_last(), CannedReply.title)
    ).all()


def get_canned(session: Session, canned_id: int) -> CannedReply:
    found = session.get(CannedReply, canned_id)
    if found is None:
        raise NotFound(f"no canned reply with id {canned_id}", field="canned")
    return found


def _clean(title: str, body: str, category: str | None) -> tuple[str, str, str | None]:
    title, body, category = title.strip(), body.strip(), (category or "").strip() or None
    if not title:
        raise ValidationFailed("title: give the canned reply a title", field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"title: at most {TITLE_MAX} characters", field="title")
    if not body:
        raise ValidationFailed("body: the text is empty", field="body")
    if len(body) > BODY_MAX:
        raise ValidationFailed(f"body: at most {BODY_MAX:,} characters", field="body")
    if category is not None and len(category) > CATEGORY_MAX:
        raise ValidationFailed(f"category: at most {CATEGORY_MAX} characters", field="category")
    placeholders_in(body)
    return title, body, category


def _ensure_title_free(session: Session, title: str, except_id: int | None = None) -> None:
    taken = session.scalar(select(CannedReply.id).where(CannedReply.title == title))
    if taken is not None and taken != except_id:
        raise Conflict(f"title: a canned reply called {title!r} exists", field="title")


def create_canned(
    session: Session, *, title: str, body: str, category: str | None = None, actor: StaffUser
) -> CannedReply:
    title, body, category = _clean(title, body, category)
    _ensure_title_free(session, title)
    row = CannedReply(title=title, body=body, category=category)
    session.add(row)
    session.flush()
    _audit(session, actor, "canned.create", row)
    return row


def update_canned(
    session: Session,
    *,
    canned_id: int,
    title: str,
    body: str,
    category: str | None = None,
    actor: StaffUser,
) -> CannedReply:
    row = get_canned(session, canned_id)
    title, body, category = _clean(title, body, category)
    _ensure_title_free(session, title, except_id=row.id)
    row.title, row.body, row.category = title, body, category
    session.flush()
    _audit(session, actor, "canned.update", row)
    return row


def delete_canned(session: Session, *, canned_id: int, actor: StaffUser) -> None:
    row = get_canned(session, canned_id)
    _audit(session, actor, "canned.delete", row)
    session.delete(row)
    session.flush()


def _audit(session: Session, actor: StaffUser, action: str, row: CannedReply) -> None:
    details: dict[str, Any] = {"title": row.title}
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="canned_reply",
        entity_id=row.id,
        details=details,
    )
