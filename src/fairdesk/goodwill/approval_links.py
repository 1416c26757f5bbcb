"""Signed, expiring links that let a manager approve or decline a gesture from the e-mail.

When an agent asks for approval, every active manager (and admin) gets an e-mail through the
outbox with two links: approve and decline. A link is an itsdangerous token naming the gesture
and the decision, signed with ``Settings.secret_key`` under a salt of its own (a portal link
or a session cookie can never pass as one), and too old after
``Settings.approval_link_max_age_s``. It is not a key on its own: the page it opens needs a
signed-in manager, shows the request, and changes nothing until that manager confirms with a
POST carrying the session's CSRF token. A link whose gesture was already decided ("used") is
refused by showing who decided it and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth import signed_links
from fairdesk.auth.models import Role, StaffUser
from fairdesk.config import Settings, get_settings
from fairdesk.errors import FairdeskError
from fairdesk.goodwill.models import Gesture
from fairdesk.goodwill.policy import Policy
from fairdesk.goodwill.rules import money
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxKind
from fairdesk.tickets.models import Ticket

SALT = "fairdesk.goodwill.approval.v1"
Decision = Literal["approve", "decline"]
DECISIONS: tuple[Decision, ...] = ("approve", "decline")


class ApprovalLinkInvalid(FairdeskError):
    """Tampered, truncated, or signed with another key."""

    status_code = 403
    code = "approval_link_invalid"


class ApprovalLinkExpired(FairdeskError):
    """Genuine but older than ``approval_link_max_age_s``."""

    status_code = 410
    code = "approval_link_expired"


@dataclass(frozen=True)
class ApprovalLink:
    """What a valid token names: one gesture and the decision offered."""

    gesture_id: int
    decision: Decision


def sign(
    *,
    gesture_id: int,
    decision: Decision,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> str:
    """A URL-safe token for deciding one gesture, issued at ``now``."""
    return signed_links.sign([gesture_id, decision], salt=SALT, now=now, settings=settings)


def url_for(
    gesture_id: int,
    decision: Decision,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> str:
    settings = settings or get_settings()
    token = sign(gesture_id=gesture_id, decision=decision, now=now, settings=settings)
    return f"{settings.public_base_url.rstrip('/')}/goodwill/approvals/link/{token}"


def read(
    token: str, *, now: datetime | None = None, settings: Settings | None = None
) -> ApprovalLink:
    """Check signature and age; raise ``ApprovalLinkInvalid`` or ``ApprovalLinkExpired``."""
    settings = settings or get_settings()
    payload = signed_links.unsign(
        token,
        salt=SALT,
        max_age=settings.approval_link_max_age_s,
        invalid=ApprovalLinkInvalid(
            "This approval link is not valid: it may have been changed or cut short. "
            "Open the request from the approvals queue instead."
        ),
        expired=ApprovalLinkExpired(
            "This approval link has expired. Open the request from the approvals queue instead."
        ),
        now=now,
        settings=settings,
    )
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or type(payload[0]) is not int
        or payload[0] <= 0
        or payload[1] not in DECISIONS
    ):
        raise ApprovalLinkInvalid("This approval link is not valid.")
    return ApprovalLink(gesture_id=payload[0], decision=payload[1])


def managers(session: Session) -> list[StaffUser]:
    """Who may decide: every active manager and admin."""
    return list(
        session.scalars(
            select(StaffUser)
            .where(StaffUser.is_active, StaffUser.role.in_([Role.MANAGER, Role.ADMIN]))
            .order_by(StaffUser.id)
        )
    )


def notify_managers(
    session: Session,
    *,
    gesture: Gesture,
    ticket: Ticket,
    actor: StaffUser,
    rules: Policy,
    now: datetime | None = None,
) -> int:
    """Queue one e-mail per manager with the approve and decline links; returns how many."""
    settings = get_settings()
    base = settings.public_base_url.rstrip("/")
    hours = settings.approval_link_max_age_s // 3600
    remedy = (
        rules.remedies[gesture.remedy].label
        if gesture.remedy in rules.remedies
        else (gesture.remedy)
    )
    amount = money(gesture.amount, gesture.currency)
    links = {d: url_for(gesture.id, d, now=now, settings=settings) for d in DECISIONS}
    sent = 0
    for manager in managers(session):
        outbox_service.enqueue(
            session,
            kind=OutboxKind.EMAIL,
            dedup_key=f"goodwill:approval:{gesture.id}:{manager.id}",
            payload={
                "to": manager.email,
                "subject": f"[{ticket.reference}] Goodwill approval needed: {remedy} {amount}",
                "text": (
                    f"Hello {manager.name},\n\n"
                    f"{actor.name} asks you to approve {remedy} of {amount} on ticket "
                    f"{ticket.reference}.\n"
                    f"Why it needs you: {'; '.join(gesture.reasons) or 'above their limit'}.\n"
                    + (f"Their note: {gesture.note}\n" if gesture.note else "")
                    + f"\nThe customer has been told we are looking at it and will hear from us "
                    f"within {rules.approval_answer_hours} hours.\n\n"
                    f"Approve: {links['approve']}\n"
                    f"Decline: {links['decline']}\n\n"
                    f"Each link opens the request after you sign in and asks you to confirm; "
                    f"it expires in {hours} hours. The approvals queue: "
                    f"{base}/goodwill/approvals\n"
                ),
                "ticket_id": ticket.id,
            },
        )
        sent += 1
    return sent
