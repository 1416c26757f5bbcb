"""Triage stored per message and per ticket, masking, audited reveal, and the retrain."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.tickets import inbox_query
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel, Message, MessageKind
from fairdesk.tickets.service import reply
from fairdesk.triage import service as triage_service
from fairdesk.triage.models import MessageTriage, TicketTriage
from fairdesk.triage.topic import TopicModel
from tests.triage.helpers import resolved, write_in


def test_a_message_is_triaged_stored_and_summarised(session: Session) -> None:
    intake = write_in(session, "You charged me twice for order 4411. Please refund one.")
    row = triage_service.triage_message(session, intake.message.id)
    assert row.ticket_id == intake.ticket.id
    assert "double_charge" in row.urgency_reasons and row.urgency_level in ("high", "urgent")
    assert row.topic == "billing" and not row.abusive and row.spans == []
    assert row.model_version.startswith("lexicon-") and row.detail["tone"] == row.tone
    summary = session.get(TicketTriage, intake.ticket.id)
    assert summary is not None and summary.urgency == row.urgency and summary.messages == 1


def test_running_twice_replaces_the_result(session: Session) -> None:
    intake = write_in(session, "Where is my parcel?")
    first = triage_service.triage_message(session, intake.message.id)
    again = triage_service.triage_message(session, intake.message.id)
    assert first is again
    count = session.scalars(
        select(MessageTriage).where(MessageTriage.message_id == intake.message.id)
    ).all()
    assert len(count) == 1


def test_ticket_summary_takes_the_worst_urgency_and_the_latest_mood(
    session: Session, agent: StaffUser
) -> None:
    intake = write_in(session, "The kettle sparked and there was smoke, is it safe?")
    triage_service.triage_message(session, intake.message.id)
    later = Message(
        ticket_id=intake.ticket.id,
        kind=MessageKind.CUSTOMER,
        channel=intake.message.channel,
        body="Thank you so much, lovely service!",
    )
    session.add(later)
    session.flush()
    calm = triage_service.triage_message(session, later.id)
    summary = session.get(TicketTriage, intake.ticket.id)
    assert summary is not None and summary.messages == 2
    assert summary.urgency_level == "urgent"  # safety stays on the ticket
    assert summary.sentiment == calm.sentiment > 0
    assert not summary.abusive


def test_abusive_text_is_masked_for_staff_and_kept_whole(session: Session) -> None:
    body = "Listen you useless b****, I know where you live. Where is my parcel?"
    intake = write_in(session, body)
    row = triage_service.triage_message(session, intake.message.id)
    assert row.abusive and row.threat and row.tone == "threat"
    shown = triage_service.masked_body(body, row)
    assert "b****" not in shown and "know where you live" not in shown
    assert shown.endswith("Where is my parcel?") and len(shown) == len(body)
    assert session.get(Message, intake.message.id).body == body  # type: ignore[union-attr]
    evidence = triage_service.staff_safe_detail(row)["abuse"]["evidence"]  # type: ignore[index]
    assert all("live" not in ev["text"] for ev in evidence if ev["kind"] == "threat")
    assert {ev.kind for ev in triage_service.abuse_evidence(row)} >= {"insult", "threat"}
    summary = session.get(TicketTriage, intake.ticket.id)
    assert summary is not None and summary.abusive and summary.threat


def test_reveal_returns_the_original_and_is_audited(session: Session, agent: StaffUser) -> None:
    body = "You idiot."
    intake = write_in(session, body)
    triage_service.triage_message(session, intake.message.id)
    assert triage_service.reveal(session, intake.message.id, actor=agent) == body
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "message.reveal")).one()
    assert entry.actor_id == agent.id and entry.entity_id == str(intake.message.id)
    assert entry.details["masked_spans"] == [[4, 9]]


def test_only_customer_messages_are_triaged(session: Session, agent: StaffUser) -> None:
    intake = write_in(session, "Hello")
    staff_reply = reply(session, ticket_id=intake.ticket.id, author=agent, body="Hi there")
    with pytest.raises(ValidationFailed):
        triage_service.triage_message(session, staff_reply.id)
    with pytest.raises(NotFound):
        triage_service.triage_message(session, 10**9)


def test_get_message_triage_runs_it_once(session: Session) -> None:
    intake = write_in(session, "My grinder is broken")
    row = triage_service.get_message_triage(session, intake.message.id)
    assert triage_service.get_message_triage(session, intake.message.id) is row


def test_retrain_on_resolved_tickets_is_used_by_the_service(
    session: Session, agent: StaffUser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    examples = {
        "espresso": ["My espresso machine pressure is low", "The espresso shot runs too fast",
                     "Espresso portafilter leaks", "Crema is thin on my espresso",
                     "Espresso machine will not heat"],
        "wholesale": ["Wholesale prices for our cafe", "Can we open a trade account for beans",
                      "Wholesale order of 20kg for the café", "Trade pricing for a restaurant",
                      "Bulk wholesale delivery schedule"],
    }  # fmt: skip
    for category, texts in examples.items():
        for text in texts:
            resolved(session, agent, text, answer="Sorted", category=category)
    resolved(session, agent, "Just one odd one", answer="ok", category="rare")
    path = tmp_path / "triage" / "topic_model.json"
    monkeypatch.setattr(triage_service, "local_model_path", lambda: path)
    outcome = triage_service.train_topic_model(session, min_examples=5)
    assert outcome.path == path and path.exists()
    assert outcome.examples == {"espresso": 5, "wholesale": 5}
    assert outcome.skipped == {"rare": 1}
    assert 0.0 <= outcome.holdout_accuracy <= 1.0
    assert TopicModel.load(path).version == outcome.version
    intake = write_in(session, "The espresso machine shot is weak")
    row = triage_service.triage_message(session, intake.message.id)
    assert row.topic == "espresso" and outcome.version in row.model_version


def test_retrain_refuses_too_little_data(session: Session, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="two categories"):
        triage_service.train_topic_model(session, path=tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_the_inbox_preview_is_stored_masked_and_follows_the_latest_message(
    session: Session,
) -> None:
    """Stored when the message is triaged, it is what the inbox computed when shown; a
    summary without one (written before migration 0011) is previewed when shown."""
    body = "Listen you useless b****, I know where you live. Where is my parcel?"
    intake = write_in(session, body)
    ticket_id = intake.ticket.id
    summary = session.get(TicketTriage, ticket_id)
    assert summary is not None and summary.preview is not None
    assert "b****" not in summary.preview and summary.preview.endswith("Where is my parcel?")
    assert summary.preview == inbox_query.latest_previews(session, [ticket_id])[ticket_id]
    reply_in = receive(
        session,
        Incoming(
            channel=IntakeChannel.PORTAL,
            body="Sorry. It came today,   thank you!",
            customer_id=intake.ticket.customer_id,
            into_ticket_id=ticket_id,
        ),
    )
    assert reply_in.ticket.id == ticket_id and not reply_in.created
    session.refresh(summary)
    assert summary.preview == "Sorry. It came today, thank you!"
    summary.preview = None
    session.flush()
    (row,) = inbox_query.rows_for(session, [intake.ticket], now=utcnow())
    assert row.preview == "Sorry. It came today, thank you!"
