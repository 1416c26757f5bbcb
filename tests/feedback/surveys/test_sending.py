"""Sending: a solved ticket queues one survey e-mail; fatigue, opt-out and consent skip it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.config import Settings
from fairdesk.customers.models import Customer, LifecycleStatus
from fairdesk.db.base import utcnow
from fairdesk.feedback.surveys import forms, service
from fairdesk.feedback.surveys.models import (
    InvitationStatus,
    SurveyInvitation,
    SurveyKind,
    SurveyOptOut,
)
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.models import IntakeChannel, Ticket, TicketStatus
from tests.factories import make_customer
from tests.feedback.surveys.helpers import solve_ticket, survey_mails


def test_a_solved_ticket_queues_one_survey_email(session: Session, agent: StaffUser) -> None:
    ticket, invitation = solve_ticket(session, assignee=agent)
    assert invitation is not None and invitation.status == InvitationStatus.QUEUED
    assert invitation.kind == SurveyKind.TICKET and invitation.questions == [
        "csat",
        "ces",
        "comment",
    ]
    assert invitation.expires_at > invitation.sent_at
    [mail] = survey_mails(session, session.get_one(Customer, ticket.customer_id))
    assert ticket.reference in mail.payload["subject"]
    text = mail.payload["text"]
    for score in range(1, 6):
        assert f"/survey/{ticket.id}/" in text and f"?csat={score}" in text
    assert "/opt-out" in text


def test_reopened_and_solved_again_is_not_surveyed_twice(
    session: Session, agent: StaffUser
) -> None:
    ticket, first = solve_ticket(session, assignee=agent)
    ticket_service.change_status(session, ticket=ticket, actor=agent, status=TicketStatus.OPEN)
    ticket_service.change_status(session, ticket=ticket, actor=agent, status=TicketStatus.RESOLVED)
    session.flush()
    count = session.scalar(
        select(func.count())
        .select_from(SurveyInvitation)
        .where(SurveyInvitation.ticket_id == ticket.id)
    )
    assert first is not None and count == 1


def test_fatigue_skips_a_second_survey_within_the_window(session: Session) -> None:
    customer = make_customer(session)
    now = utcnow()
    _, first = solve_ticket(session, customer=customer, now=now - timedelta(days=10))
    _, second = solve_ticket(session, customer=customer, now=now)
    assert first is not None and first.status == InvitationStatus.QUEUED
    assert second is not None and second.status == InvitationStatus.SKIPPED
    assert second.skip_reason == "surveyed within 30 days"
    assert len(survey_mails(session, customer)) == 1
    _, third = solve_ticket(session, customer=customer, now=now + timedelta(days=25))
    assert third is not None and third.status == InvitationStatus.QUEUED


def test_opted_out_customer_is_never_sent_a_survey(session: Session) -> None:
    customer = make_customer(session)
    session.add(SurveyOptOut(customer_id=customer.id))
    session.flush()
    _, invitation = solve_ticket(session, customer=customer)
    assert invitation is not None and invitation.status == InvitationStatus.SKIPPED
    assert invitation.skip_reason == "opted out"
    assert survey_mails(session, customer) == []
    report = service.send_relationship(session, limit=10_000)
    assert customer.id not in report.customer_ids
    assert survey_mails(session, customer) == []


def test_no_consent_or_no_address_is_skipped_with_the_reason(session: Session) -> None:
    no_consent = make_customer(session, consent_email=False)
    no_address = make_customer(session, email=None)
    _, a = solve_ticket(session, customer=no_consent)
    _, b = solve_ticket(session, customer=no_address)
    assert a is not None and a.skip_reason == "no e-mail consent"
    assert b is not None and b.skip_reason == "no e-mail address"
    assert survey_mails(session, no_consent) == []


def test_a_switched_off_form_sends_nothing(session: Session, manager: StaffUser) -> None:
    forms.update_form(
        session,
        kind=SurveyKind.TICKET,
        actor=manager,
        title="How did we do?",
        questions=["csat"],
        reason_codes=[],
        active=False,
    )
    customer = make_customer(session)
    _, invitation = solve_ticket(session, customer=customer)
    assert invitation is not None and invitation.skip_reason == "survey switched off"
    assert survey_mails(session, customer) == []


def test_relationship_nps_goes_to_active_customers_not_surveyed_recently(
    session: Session,
) -> None:
    settings = Settings(survey_relationship_batch=10_000)
    now = utcnow()
    due = make_customer(session, lifecycle_status=LifecycleStatus.ACTIVE)
    lapsed = make_customer(session, lifecycle_status=LifecycleStatus.LAPSED)
    recent = make_customer(session, lifecycle_status=LifecycleStatus.ACTIVE)
    service.invite(
        session,
        customer=recent,
        kind=SurveyKind.RELATIONSHIP,
        now=now - timedelta(days=40),
        settings=settings,
    )

    dry = service.send_relationship(session, now=now, dry_run=True, settings=settings)
    assert due.id in dry.customer_ids and lapsed.id not in dry.customer_ids
    assert recent.id not in dry.customer_ids
    assert survey_mails(session, due) == []  # a dry run sends and records nothing

    report = service.send_relationship(session, now=now, settings=settings)
    assert due.id in report.customer_ids
    [mail] = survey_mails(session, due)
    assert "/survey/nps/" in mail.payload["text"] and "?nps=10" in mail.payload["text"]
    again = service.send_relationship(session, now=now + timedelta(days=1), settings=settings)
    assert due.id not in again.customer_ids  # once per interval, not on every pass


def test_catch_up_sends_for_solved_tickets_without_an_invitation(session: Session) -> None:
    """A ticket imported as already resolved never passed through the hook."""
    customer = make_customer(session)
    ticket = Ticket(
        reference="IMPORTED01",
        customer_id=customer.id,
        channel=IntakeChannel.EMAIL,
        subject="Imported",
        status=TicketStatus.RESOLVED,
        resolved_at=utcnow(),
    )
    session.add(ticket)
    session.flush()
    since = utcnow() - timedelta(days=1)
    assert service.send_for_resolved(session, since=since, dry_run=True).queued == 1
    assert survey_mails(session, customer) == []
    assert service.send_for_resolved(session, since=since).queued == 1
    assert len(survey_mails(session, customer)) == 1
    assert service.send_for_resolved(session, since=since).queued == 0
