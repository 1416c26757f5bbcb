"""Read-side helpers for the ticket page and the customer portal.

Attachments are listed without their bytes, and fetched only through the ticket they belong
to: a download names both the ticket and the attachment, and the pair must match (and, for
customers, the message must be public), so no id can be walked to another case's files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.errors import NotFound
from fairdesk.tickets.models import Attachment, Message, MessageKind, Ticket

PUBLIC_KINDS = (MessageKind.CUSTOMER, MessageKind.REPLY)


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    message_id: int
    filename: str
    content_type: str
    size: int


def attachments_by_message(
    session: Session, message_ids: Iterable[int]
) -> dict[int, list[AttachmentInfo]]:
    """Metadata of the attachments of these messages, by message id, bytes left in the DB."""
    ids = list(message_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(
            Attachment.id,
            Attachment.message_id,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
        )
        .where(Attachment.message_id.in_(ids))
        .order_by(Attachment.id)
    ).all()
    out: dict[int, list[AttachmentInfo]] = {}
    for row in rows:
        out.setdefault(row.message_id, []).append(AttachmentInfo(*row))
    return out


def attachment_of_ticket(
    session: Session, *, ticket_id: int, attachment_id: int, public_only: bool
) -> Attachment:
    """The attachment, if it is on a message of this ticket (a public one for customers)."""
    stmt = (
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .where(Attachment.id == attachment_id, Message.ticket_id == ticket_id)
    )
    if public_only:
        stmt = stmt.where(Message.kind.in_(PUBLIC_KINDS))
    found = session.scalar(stmt)
    if found is None:
        raise NotFound("no such attachment on this case", field="attachment_id")
    return found


def tickets_of_customer(
    session: Session, customer_id: int, *, exclude_id: int | None = None, limit: int = 10
) -> Sequence[Ticket]:
    """A customer's latest tickets, newest first."""
    stmt = select(Ticket).where(Ticket.customer_id == customer_id)
    if exclude_id is not None:
        stmt = stmt.where(Ticket.id != exclude_id)
    return session.scalars(
        stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
    ).all()
