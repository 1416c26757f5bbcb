"""Parting ways with a customer: what is honoured, what is erased, and undoing it on appeal.

Open orders and paid services are honoured and listed in the notice. With
``Settings.fairness_parting_retention = "erase"`` the customer's personal details are
anonymised and the words of their cases erased (subjects, every written message, attachments,
survey comments, the inbox preview), while the orders ledger, the tickets' rows and times, the
triage flags that measure staff exposure and the decision record stay, without a name or a
quote on them. The lifecycle status before parting is kept in the decision's audit entry, so an
overturned appeal can restore it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry
from fairdesk.customers.models import Customer, LifecycleStatus, Order, OrderStatus
from fairdesk.fairness.models import FairnessCase
from fairdesk.feedback.surveys.models import SurveyAnswer
from fairdesk.feedback.themes.models import ThemeMembership
from fairdesk.tickets.models import Attachment, Message, MessageKind, Ticket
from fairdesk.triage.models import MessageTriage, TicketTriage

PART_WAYS_ACTION = "fairness.decision.part_ways"
ERASED_NAME = "erased customer"
ERASED_TEXT = "[erased when the business parted ways with this customer]"
ERASED_SUBJECT = "[erased]"
ERASED_ROWS = (Ticket, Message, MessageTriage, TicketTriage, SurveyAnswer)  # reloaded after erasure
# Orders still owed to the customer: placed and not yet delivered, refunded or cancelled.
OPEN_ORDER_STATUSES = (OrderStatus.PENDING, OrderStatus.PAID)


def honoured_orders(session: Session, *, customer_id: int) -> Sequence[Order]:
    return session.scalars(
        select(Order)
        .where(Order.customer_id == customer_id, Order.status.in_(OPEN_ORDER_STATUSES))
        .order_by(Order.placed_at, Order.id)
    ).all()


def erase_personal_data(session: Session, customer: Customer) -> None:
    """Anonymise the customer's personal details; ids, orders and decisions stay."""
    customer.first_name = ""
    customer.last_name = ""
    customer.email = None
    customer.phone = None
    customer.consent_email = False
    customer.consent_marketing = False
    customer.birth_year = None
    customer.gender = None
    customer.region = None
    customer.city = None
    customer.education = None
    customer.income_band = None
    customer.household_size = None
    customer.values = []
    customer.interests = []
    customer.personality = []
    customer.lifestyle = []
    _erase_words(session, customer.id)
    for case in session.scalars(
        select(FairnessCase).where(FairnessCase.customer_id == customer.id)
    ):
        about = dict(case.dossier.get("customer") or {})
        about.update(name=ERASED_NAME, email=None)
        history = [
            {**e, "text": f"{str(e.get('text', '')).split(' ', 1)[0]} {ERASED_SUBJECT}"}
            if e.get("kind") == "ticket"
            else e
            for e in case.dossier.get("history") or []
        ]
        case.dossier = {**case.dossier, "customer": about, "history": history}


def _erase_words(session: Session, customer_id: int) -> None:
    """Erase what was written in the customer's cases; keep the rows, counts and times.

    Message rows stay so first-response and resolution times, contact counts and the
    scorecard do not change; triage keeps its flags (staff exposure is still measured) but
    loses the spans and details that pointed into the erased text.
    """
    session.flush()  # pending changes first: the statements below bypass the session
    tickets = select(Ticket.id).where(Ticket.customer_id == customer_id)
    written = select(Message.id).where(
        Message.ticket_id.in_(tickets), Message.kind != MessageKind.EVENT
    )
    for stmt in (
        update(Ticket).where(Ticket.customer_id == customer_id).values(subject=ERASED_SUBJECT),
        update(Message).where(Message.id.in_(written)).values(body=ERASED_TEXT),
        update(Message)
        .where(Message.ticket_id.in_(tickets), Message.kind == MessageKind.CUSTOMER)
        .values(meta={}),
        delete(Attachment).where(Attachment.message_id.in_(written)),
        update(MessageTriage)
        .where(MessageTriage.ticket_id.in_(tickets))
        .values(spans=[], detail={}, urgency_reasons=[]),
        update(TicketTriage).where(TicketTriage.ticket_id.in_(tickets)).values(preview=None),
        update(SurveyAnswer).where(SurveyAnswer.customer_id == customer_id).values(comment=""),
        delete(ThemeMembership).where(ThemeMembership.customer_id == customer_id),
    ):
        session.execute(stmt.execution_options(synchronize_session=False))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ERASED_ROWS):
            session.expire(obj)


def previous_lifecycle(session: Session, *, decision_id: int) -> LifecycleStatus:
    """The status the customer had before this part-ways decision (active if unknown)."""
    details = session.scalar(
        select(AuditEntry.details).where(
            AuditEntry.action == PART_WAYS_ACTION,
            AuditEntry.entity_type == "fairness_decision",
            AuditEntry.entity_id == str(decision_id),
        )
    )
    raw = (details or {}).get("previous_lifecycle")
    try:
        status = LifecycleStatus(str(raw))
    except ValueError:
        return LifecycleStatus.ACTIVE
    return LifecycleStatus.ACTIVE if status is LifecycleStatus.PARTED else status


def restore(session: Session, *, customer_id: int, decision_id: int) -> LifecycleStatus:
    """Undo a parting (an overturned appeal): the customer's lifecycle status comes back."""
    status = previous_lifecycle(session, decision_id=decision_id)
    session.execute(
        update(Customer)
        .where(Customer.id == customer_id, Customer.lifecycle_status == LifecycleStatus.PARTED)
        .values(lifecycle_status=status)
        .execution_options(synchronize_session="fetch")
    )
    return status
