"""What the customer is told about a fairness decision or appeal, and the sending of it.

Every text is respectful and plain: it says what was decided, why, what stays the same, and how
to appeal. A warning starts from a template the manager edits before it is sent. E-mails go
through the outbox in the decision's own unit of work, keyed by the decision or appeal, so a
retried request never sends twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.orm import Session

from fairdesk.config import get_settings
from fairdesk.customers.models import Customer, Order
from fairdesk.fairness.models import RestrictionKind
from fairdesk.fairness.restrictions import CUSTOMER_WORDS
from fairdesk.goodwill.rules import money
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxKind


def _hello(customer: Customer) -> str:
    return f"Hello {customer.first_name or 'there'},"


def _sign_off() -> str:
    return f"Kind regards,\n{get_settings().business_name}"


def warning_template(customer: Customer) -> str:
    """The warning a manager starts from; they edit it before it is sent."""
    return (
        f"{_hello(customer)}\n\n"
        "Thank you for being a customer of ours. We always want to put things right when "
        "something goes wrong, and we will keep doing so.\n\n"
        "We are writing because a manager looked carefully at a pattern in your recent "
        "requests. Nothing about how we serve you has changed. We simply ask for your help in "
        "keeping our policies fair for every customer and safe for our staff.\n\n"
        "If you think we have misunderstood something, just reply to this e-mail and a "
        "manager will look at it.\n\n"
        f"{_sign_off()}"
    )


def restriction_notice(
    customer: Customer, *, kind: RestrictionKind, reason: str, appeal_link: str
) -> str:
    return (
        f"{_hello(customer)}\n\n"
        f"After a careful review by a manager, from now on {CUSTOMER_WORDS[kind]}.\n\n"
        f"Why: {reason}\n\n"
        "Everything else about how we serve you stays the same: your messages are answered "
        "within the same times, and your orders are handled as before.\n\n"
        "If you disagree, you can appeal. A different manager will review your appeal and "
        f"you will hear the outcome by e-mail:\n{appeal_link}\n\n"
        f"{_sign_off()}"
    )


def parting_notice(
    customer: Customer,
    *,
    reason: str,
    honoured: Sequence[Order],
    erase: bool,
    appeal_link: str,
) -> str:
    if honoured:
        lines = "\n".join(
            f"  - order {o.external_id} of {o.placed_at:%d %B %Y}, "
            f"{money(Decimal(o.amount), o.currency)}"
            for o in honoured
        )
        kept = f"We will honour everything already open or paid for:\n{lines}\n\n"
    else:
        kept = "You have no open orders or paid services with us; nothing is left pending.\n\n"
    data = (
        "As our retention policy says, we will erase your personal details; only the "
        "anonymous record of orders and of this decision is kept."
        if erase
        else "We keep your records as our retention policy requires; you may ask us for a copy."
    )
    return (
        f"{_hello(customer)}\n\n"
        "After a careful review by a manager, we have decided to end our relationship and "
        "will not take new orders from you.\n\n"
        f"Why: {reason}\n\n"
        f"{kept}{data}\n\n"
        "If you disagree, you can appeal. A different manager will review your appeal and "
        f"you will hear the outcome by e-mail:\n{appeal_link}\n\n"
        f"{_sign_off()}"
    )


def appeal_outcome_notice(customer: Customer, *, overturned: bool, reason: str) -> str:
    outcome = (
        "we have overturned the decision: it no longer applies, and you are served exactly as "
        "before."
        if overturned
        else "the decision stands."
    )
    return (
        f"{_hello(customer)}\n\n"
        f"Thank you for your appeal. A manager who was not part of the first decision reviewed "
        f"it, and {outcome}\n\n"
        f"Why: {reason}\n\n"
        f"{_sign_off()}"
    )


def send(session: Session, *, customer: Customer, key: str, subject: str, text: str) -> bool:
    """Queue one e-mail to the customer; False when there is no address to send it to."""
    if not customer.email:
        return False
    outbox_service.enqueue(
        session,
        kind=OutboxKind.EMAIL,
        dedup_key=key,
        payload={"to": customer.email, "subject": subject, "text": text},
    )
    return True
