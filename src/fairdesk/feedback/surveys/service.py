"""Sending surveys: after a solved ticket, and relationship NPS on a schedule.

Every offer becomes a ``SurveyInvitation`` row. One that passes the rules is queued with its
e-mail in the outbox, in the caller's transaction (so it goes out only if the status change
commits). One that fails a rule is kept as ``skipped`` with the reason and never sent. The
rules, in order: the form is switched on; the customer has not opted out, has an e-mail
address and allows e-mail; the relationship has not ended; and no survey went to the same
customer within ``survey_fatigue_days`` (either side of ``now``, so replaying history in any
order gives the same answer).
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Exists, and_, exists, literal, select
from sqlalchemy.orm import Session

from fairdesk.config import Settings, get_settings
from fairdesk.customers.models import Customer, LifecycleStatus
from fairdesk.db.base import utcnow
from fairdesk.feedback.surveys import links
from fairdesk.feedback.surveys.forms import QUESTIONS, first_score_question, get_form
from fairdesk.feedback.surveys.models import (
    InvitationStatus,
    SurveyForm,
    SurveyInvitation,
    SurveyKind,
    SurveyOptOut,
)
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxKind
from fairdesk.tickets.models import Ticket, TicketStatus

SENT_STATUSES = (InvitationStatus.QUEUED, InvitationStatus.ANSWERED)


@dataclass
class SendReport:
    """What one sending pass did (or, on a dry run, would do)."""

    queued: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    customer_ids: list[int] = field(default_factory=list)  # who was (or would be) sent one

    def line(self) -> str:
        reasons = ", ".join(f"{n} {why}" for why, n in self.skipped.most_common())
        return f"{self.queued} queued, {sum(self.skipped.values())} skipped" + (
            f" ({reasons})" if reasons else ""
        )


@dataclass
class Known:
    """Opt-outs and recent surveys of a batch of customers, read in two queries, not 2 per
    customer; an offer queued during the batch is added, so the fatigue rule holds inside it."""

    opted_out: set[int]
    recent: set[int]


def known_for(
    session: Session, customer_ids: list[int], *, now: datetime, settings: Settings
) -> Known:
    opted = set(
        session.scalars(
            select(SurveyOptOut.customer_id).where(SurveyOptOut.customer_id.in_(customer_ids))
        ).all()
    )
    recent: set[int] = set()
    if settings.survey_fatigue_days > 0:
        recent = set(
            session.scalars(
                select(SurveyInvitation.customer_id).where(
                    SurveyInvitation.customer_id.in_(customer_ids),
                    *_within_fatigue(now, settings),
                )
            ).all()
        )
    return Known(opted_out=opted, recent=recent)


def _within_fatigue(now: datetime, settings: Settings) -> tuple[ColumnElement[bool], ...]:
    """Invitations that count for the fatigue rule: sent (or answered) within the window."""
    window = timedelta(days=settings.survey_fatigue_days)
    return (
        SurveyInvitation.status.in_(SENT_STATUSES),
        SurveyInvitation.sent_at > now - window,
        SurveyInvitation.sent_at < now + window,
    )


def _recently_surveyed(customer_id: int, now: datetime, settings: Settings) -> Exists:
    return exists().where(
        SurveyInvitation.customer_id == customer_id, *_within_fatigue(now, settings)
    )


def skip_reason(
    session: Session,
    *,
    customer: Customer,
    form: SurveyForm,
    now: datetime,
    settings: Settings,
    known: Known | None = None,
) -> str | None:
    """Why this customer must not get a survey now, or None if they may."""
    if not form.active:
        return "survey switched off"
    known = known or known_for(session, [customer.id], now=now, settings=settings)
    if customer.id in known.opted_out:
        return "opted out"
    if not customer.email:
        return "no e-mail address"
    if not customer.consent_email:
        return "no e-mail consent"
    if customer.lifecycle_status == LifecycleStatus.PARTED:
        return "relationship ended"
    if customer.id in known.recent:
        return f"surveyed within {settings.survey_fatigue_days} days"
    return None


def invite(
    session: Session,
    *,
    customer: Customer,
    kind: SurveyKind,
    ticket: Ticket | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
    known: Known | None = None,
) -> SurveyInvitation:
    """Record one offer: queued with its e-mail, or skipped with the reason (never sent).

    ``known`` (from ``known_for``) saves two queries per customer in a batch.
    """
    now = now or utcnow()
    settings = settings or get_settings()
    form = get_form(session, kind)
    reason = skip_reason(
        session, customer=customer, form=form, now=now, settings=settings, known=known
    )
    invitation = SurveyInvitation(
        form_id=form.id,
        kind=kind,
        customer_id=customer.id,
        ticket_id=ticket.id if ticket is not None else None,
        nonce=secrets.token_hex(16),
        status=InvitationStatus.SKIPPED if reason else InvitationStatus.QUEUED,
        skip_reason=reason,
        questions=list(form.questions),
        sent_at=now,
        expires_at=now if reason else now + timedelta(seconds=settings.survey_link_max_age_s),
    )
    session.add(invitation)
    session.flush()
    if reason is None:
        _queue_email(session, invitation, customer, ticket, form, now, settings)
        if known is not None:
            known.recent.add(customer.id)
    return invitation


def _queue_email(
    session: Session,
    invitation: SurveyInvitation,
    customer: Customer,
    ticket: Ticket | None,
    form: SurveyForm,
    now: datetime,
    settings: Settings,
) -> None:
    assert customer.email is not None
    url = links.url_for(
        invitation_id=invitation.id,
        nonce=invitation.nonce,
        ticket_id=invitation.ticket_id,
        now=now,
        settings=settings,
    )
    first = first_score_question(invitation.questions)
    assert first is not None  # forms always ask at least one score question
    spec = QUESTIONS[first]
    lines = [f"Hello {customer.first_name or 'there'},", ""]
    if ticket is not None:
        lines.append(f"Your case {ticket.reference} (\u201c{ticket.subject}\u201d) is solved.")
        subject = f"[{ticket.reference}] {form.title}"
    else:
        lines.append(f"Thank you for being a customer of {settings.business_name}.")
        subject = f"{settings.business_name}: {form.title}"
    lines += [spec.label, "One click answers (you can add more on the page, or not):", ""]
    for score in range(spec.low, spec.high + 1):
        word = {spec.low: f" ({spec.low_word})", spec.high: f" ({spec.high_word})"}.get(score, "")
        lines.append(f"  {score}{word}: {url}?{first}={score}")
    lines += [
        "",
        f"This survey is open until {invitation.expires_at:%d %B %Y}. A person reads every "
        "answer, and if we let you down, someone will contact you.",
        "",
        f"No more surveys, please: {url}/opt-out",
    ]
    outbox_service.enqueue(
        session,
        kind=OutboxKind.EMAIL,
        fresh_key=True,
        dedup_key=f"survey:invitation:{invitation.nonce}",
        payload={
            "to": customer.email,
            "subject": subject,
            "text": "\n".join(lines) + "\n",
            "ticket_id": invitation.ticket_id,
            "survey_invitation_id": invitation.id,
        },
        flush=False,  # goes out with the next flush (the next invitation's, or the caller's)
    )


def on_ticket_resolved(
    session: Session, *, ticket: Ticket, now: datetime | None = None
) -> SurveyInvitation | None:
    """The hook of ``tickets.service.change_status``: one survey per solved ticket.

    A ticket solved again after a reopening is not surveyed twice. It runs inside every reply
    that solves a ticket (and so every goodwill grant), hence one query for all it must know:
    whether this ticket was surveyed, and the customer's opt-out and fatigue facts.
    """
    now = now or utcnow()
    settings = get_settings()
    cid = ticket.customer_id
    fatigue = _recently_surveyed(cid, now, settings) if settings.survey_fatigue_days > 0 else None
    already, opted_out, recent = session.execute(
        select(
            exists().where(
                SurveyInvitation.ticket_id == ticket.id,
                SurveyInvitation.status.in_(SENT_STATUSES),
            ),
            exists().where(SurveyOptOut.customer_id == cid),
            fatigue if fatigue is not None else literal(False),
        )
    ).one()
    if already:
        return None
    customer = session.get(Customer, cid)
    if customer is None:
        return None
    known = Known(opted_out={cid} if opted_out else set(), recent={cid} if recent else set())
    return invite(
        session,
        customer=customer,
        kind=SurveyKind.TICKET,
        ticket=ticket,
        now=now,
        settings=settings,
        known=known,
    )


def send_for_resolved(
    session: Session,
    *,
    since: datetime,
    now: datetime | None = None,
    dry_run: bool = False,
    settings: Settings | None = None,
) -> SendReport:
    """Catch up: survey tickets solved since ``since`` that have no invitation at all yet
    (solved before surveys were switched on, or by an import)."""
    now = now or utcnow()
    settings = settings or get_settings()
    has_any = exists().where(SurveyInvitation.ticket_id == Ticket.id)
    tickets = session.scalars(
        select(Ticket)
        .where(
            Ticket.status.in_((TicketStatus.RESOLVED, TicketStatus.CLOSED)),
            Ticket.resolved_at >= since,
            ~has_any,
        )
        .order_by(Ticket.resolved_at, Ticket.id)
    ).all()
    customers = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.id.in_({t.customer_id for t in tickets}))
        ).all()
    }
    pairs = [(customers[t.customer_id], t) for t in tickets if t.customer_id in customers]
    return _offer_all(
        session, pairs, SurveyKind.TICKET, now=now, settings=settings, dry_run=dry_run
    )


def _offer_all(
    session: Session,
    pairs: Sequence[tuple[Customer, Ticket | None]],
    kind: SurveyKind,
    *,
    now: datetime,
    settings: Settings,
    dry_run: bool,
) -> SendReport:
    """Offer a survey to each (customer, ticket), the batch's rules read in two queries."""
    report = SendReport()
    form = get_form(session, kind)
    known = known_for(session, [c.id for c, _ in pairs], now=now, settings=settings)
    for customer, ticket in pairs:
        if dry_run:
            reason = skip_reason(
                session, customer=customer, form=form, now=now, settings=settings, known=known
            )
            if reason is None:
                known.recent.add(customer.id)
        else:
            reason = invite(
                session,
                customer=customer,
                kind=kind,
                ticket=ticket,
                now=now,
                settings=settings,
                known=known,
            ).skip_reason
        _count(report, customer, reason)
    session.flush()
    return report


def _count(report: SendReport, customer: Customer, reason: str | None) -> None:
    if reason is None:
        report.queued += 1
        report.customer_ids.append(customer.id)
    else:
        report.skipped[reason] += 1


def due_for_relationship(
    session: Session, *, now: datetime, limit: int, settings: Settings
) -> list[Customer]:
    """Active customers with an e-mail who had no relationship survey offer (sent or
    skipped) in ``survey_relationship_every_days``, longest-waiting first."""
    since = now - timedelta(days=settings.survey_relationship_every_days)
    recent = exists().where(
        SurveyInvitation.customer_id == Customer.id,
        SurveyInvitation.kind == SurveyKind.RELATIONSHIP,
        SurveyInvitation.sent_at > since,
    )
    return list(
        session.scalars(
            select(Customer)
            .where(
                Customer.lifecycle_status == LifecycleStatus.ACTIVE,
                and_(Customer.email.is_not(None), Customer.email != ""),
                ~recent,
            )
            .order_by(Customer.id)
            .limit(limit)
        ).all()
    )


def send_relationship(
    session: Session,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    limit: int | None = None,
    settings: Settings | None = None,
) -> SendReport:
    """One pass of relationship NPS: offer it to the customers due (at most a batch).

    Skips are recorded too, so an opted-out customer is looked at again only after the
    next interval, not on every pass of the jobs loop.
    """
    now = now or utcnow()
    settings = settings or get_settings()
    batch = limit if limit is not None else settings.survey_relationship_batch
    if not get_form(session, SurveyKind.RELATIONSHIP).active:
        return SendReport()
    due = due_for_relationship(session, now=now, limit=batch, settings=settings)
    return _offer_all(
        session,
        [(c, None) for c in due],
        SurveyKind.RELATIONSHIP,
        now=now,
        settings=settings,
        dry_run=dry_run,
    )


def relationship_job(session: Session) -> str:
    """The periodic job (``fairdesk jobs run``, the demo's background loop)."""
    return "relationship surveys: " + send_relationship(session).line()
