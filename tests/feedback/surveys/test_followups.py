"""The closed loop: low scores open follow-ups for the right person; closing is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, Role, StaffUser
from fairdesk.config import Settings
from fairdesk.db.base import utcnow
from fairdesk.errors import Conflict, ValidationFailed
from fairdesk.feedback.surveys import answers, followups
from fairdesk.feedback.surveys.models import FollowUpStatus, SurveyFollowUp
from fairdesk.tickets.assignment import set_availability
from fairdesk.tickets.models import AgentAvailability
from tests.conftest import login
from tests.factories import make_user
from tests.feedback.surveys.helpers import solve_ticket


def test_only_low_scores_open_a_follow_up_and_only_once(session: Session, agent: StaffUser) -> None:
    _, happy = solve_ticket(session, assignee=agent)
    _, unhappy = solve_ticket(session, assignee=agent)
    assert happy is not None and unhappy is not None
    answers.submit(session, invitation=happy, data={"csat": "3"})
    answer, _ = answers.submit(session, invitation=unhappy, data={"csat": "1"})
    answers.submit(session, invitation=unhappy, data={"csat": "2", "comment": "still bad"})
    rows = session.scalars(select(SurveyFollowUp)).all()
    assert [r.answer_id for r in rows] == [answer.id]
    assert rows[0].owner_id == agent.id and rows[0].status == FollowUpStatus.OPEN
    opened = session.scalar(select(AuditEntry).where(AuditEntry.action == "survey.follow_up.open"))
    assert opened is not None and opened.details["csat"] == 1


def test_thresholds_come_from_the_settings(session: Session, agent: StaffUser) -> None:
    _, invitation = solve_ticket(session, assignee=agent)
    assert invitation is not None
    strict = Settings(survey_low_csat=3, survey_follow_up_hours=4)
    now = utcnow()
    answer, _ = answers.submit(
        session, invitation=invitation, data={"csat": "3"}, now=now, settings=strict
    )
    follow_up = session.scalar(select(SurveyFollowUp))
    assert follow_up is not None and follow_up.due_at == now + timedelta(hours=4)
    assert answer.csat == 3


def test_owner_falls_back_to_team_lead_then_manager(session: Session) -> None:
    lead = make_user(session, role=Role.AGENT)
    gone = make_user(session, role=Role.AGENT)
    boss = make_user(session, role=Role.MANAGER)
    set_availability(session, staff_id=gone.id, available=True)
    session.flush()
    availability = session.get(AgentAvailability, gone.id)
    assert availability is not None
    availability.team_lead_id = lead.id
    gone.is_active = False
    ticket, _ = solve_ticket(session, assignee=gone)
    assert followups.owner_for(session, ticket.id) == lead
    lead.is_active = False
    assert followups.owner_for(session, ticket.id) == boss
    unassigned, _ = solve_ticket(session)
    assert followups.owner_for(session, unassigned.id) == boss


def test_closing_needs_a_note_is_audited_and_happens_once(
    session: Session, agent: StaffUser
) -> None:
    _, invitation = solve_ticket(session, assignee=agent)
    assert invitation is not None
    answers.submit(session, invitation=invitation, data={"csat": "1"})
    follow_up = session.scalar(select(SurveyFollowUp))
    assert follow_up is not None
    with pytest.raises(ValidationFailed) as empty:
        followups.close(session, follow_up_id=follow_up.id, actor=agent, note="   ")
    before = follow_up.status
    assert empty.value.field == "note" and before == FollowUpStatus.OPEN
    followups.close(
        session, follow_up_id=follow_up.id, actor=agent, note="Called Ada, sent a replacement"
    )
    assert follow_up.status == FollowUpStatus.DONE and follow_up.done_at is not None
    with pytest.raises(Conflict):
        followups.close(session, follow_up_id=follow_up.id, actor=agent, note="again")
    closed = session.scalar(select(AuditEntry).where(AuditEntry.action == "survey.follow_up.close"))
    assert closed is not None and closed.actor_id == agent.id


def test_overdue_follow_ups_are_listed_and_marked(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    _, invitation = solve_ticket(session, assignee=agent, now=utcnow() - timedelta(days=3))
    assert invitation is not None
    answers.submit(
        session,
        invitation=invitation,
        data={"csat": "1"},
        now=utcnow() - timedelta(days=2, hours=12),
    )
    [row] = followups.list_follow_ups(session, overdue_only=True)
    assert row.overdue and followups.counts(session) == (1, 1)
    login(client, agent)
    mine = client.get("/surveys/follow-ups")
    assert mine.status_code == 200 and "overdue" in mine.text
    token = mine.text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post(
        f"/surveys/follow-ups/{row.follow_up.id}/close",
        data={"csrf_token": token, "note": "Phoned, refunded", "back": "mine"},
    )
    assert resp.status_code == 200 and "Follow-up closed" in resp.text
    session.refresh(row.follow_up)
    assert row.follow_up.status == FollowUpStatus.DONE
    assert row.follow_up.note == "Phoned, refunded"


def test_another_agent_cannot_close_someone_elses_follow_up(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    _, invitation = solve_ticket(session, assignee=agent)
    assert invitation is not None
    answers.submit(session, invitation=invitation, data={"csat": "2"})
    follow_up = session.scalar(select(SurveyFollowUp))
    assert follow_up is not None
    other = make_user(session, role=Role.AGENT)
    login(client, other)
    page = client.get("/surveys/follow-ups?view=open")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post(
        f"/surveys/follow-ups/{follow_up.id}/close", data={"csrf_token": token, "note": "not mine"}
    )
    assert "only its owner or a manager" in resp.text
    session.refresh(follow_up)
    assert follow_up.status == FollowUpStatus.OPEN


def test_the_ticket_page_marks_an_open_follow_up(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    ticket, invitation = solve_ticket(session, assignee=agent)
    assert invitation is not None
    login(client, agent)
    assert 'id="survey-follow-up"' not in client.get(f"/tickets/{ticket.id}").text
    answers.submit(session, invitation=invitation, data={"csat": "1"})
    page = client.get(f"/tickets/{ticket.id}")
    assert page.status_code == 200 and 'id="survey-follow-up"' in page.text
    assert 'href="/surveys"' in page.text  # the nav link


def test_the_follow_up_list_masks_abusive_words_in_the_ticket_subject(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    _, invitation = solve_ticket(session, assignee=agent, subject="You idiot, where is it")
    assert invitation is not None
    answers.submit(session, invitation=invitation, data={"csat": "1"})
    login(client, agent)
    page = client.get("/surveys/follow-ups")
    assert page.status_code == 200 and "where is it" in page.text
    assert "idiot" not in page.text
