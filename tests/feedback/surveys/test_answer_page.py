"""The customer's answer page over real HTTP: one-click score, validation, updates, refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.db.base import utcnow
from fairdesk.feedback.surveys import service
from fairdesk.feedback.surveys.models import (
    InvitationStatus,
    SurveyAnswer,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyKind,
    SurveyOptOut,
)
from tests.conftest import login
from tests.factories import make_customer
from tests.feedback.surveys.helpers import link_path, solve_ticket, survey_mails

HOSTILE = '<script>alert("x")</script> & <b>not</b> solved'


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def _answers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(SurveyAnswer)) or 0


def _post(client: TestClient, path: str, data: dict[str, Any]) -> httpx.Response:
    token = _csrf(client.get(path).text)
    resp: httpx.Response = client.post(path, data={"csrf_token": token, **data})
    return resp


def test_the_emailed_score_link_preselects_and_records_nothing(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    _, invitation = solve_ticket(session, assignee=agent)
    assert invitation is not None
    page = client.get(link_path(invitation) + "?csat=4")
    assert page.status_code == 200
    assert re.search(r'name="csat" value="4" checked', page.text)
    assert page.headers["cache-control"] == "no-store"
    assert _answers(session) == 0  # a mail scanner opening every link changes nothing


def test_answer_is_stored_as_typed_shown_escaped_and_opens_a_follow_up(
    client: TestClient, session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    ticket, invitation = solve_ticket(session, assignee=agent)
    assert invitation is not None
    resp = _post(
        client,
        link_path(invitation),
        {
            "csat": "2",
            "ces": "3",
            "reasons": ["slow", "not solved"],
            "comment": HOSTILE,
        },
    )
    assert resp.status_code == 200, resp.text
    html = resp.text
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    answer = session.scalar(select(SurveyAnswer))
    assert answer is not None
    assert (answer.csat, answer.ces, answer.nps) == (2, 3, None)
    assert answer.reasons == ["slow", "not solved"] and answer.comment == HOSTILE
    session.refresh(invitation)
    assert invitation.status == InvitationStatus.ANSWERED
    follow_up = session.scalar(select(SurveyFollowUp))
    assert follow_up is not None and follow_up.owner_id == agent.id
    assert follow_up.ticket_id == ticket.id and follow_up.due_at > answer.answered_at

    login(client, manager)
    staff = client.get("/surveys")
    assert staff.status_code == 200
    assert "<script>alert" not in staff.text and "&lt;script&gt;alert" in staff.text
    listing = client.get("/surveys/follow-ups?view=open")
    assert "&lt;b&gt;not&lt;/b&gt;" in listing.text and "<b>not</b>" not in listing.text


def test_a_second_answer_within_the_window_updates_the_first(
    client: TestClient, session: Session
) -> None:
    _, invitation = solve_ticket(session)
    assert invitation is not None
    path = link_path(invitation)
    _post(client, path, {"csat": "3"})
    resp = _post(client, path, {"csat": "5", "comment": "Actually it was fine"})
    assert resp.status_code == 200 and "updated" in resp.text
    [answer] = session.scalars(select(SurveyAnswer)).all()
    assert answer.csat == 5 and answer.comment == "Actually it was fine"


def test_resubmitting_after_the_window_is_refused_and_changes_nothing(
    client: TestClient, session: Session
) -> None:
    _, invitation = solve_ticket(session)
    assert invitation is not None
    path = link_path(invitation)
    token = _csrf(client.get(path).text)
    client.post(path, data={"csrf_token": token, "csat": "4"})
    answer = session.scalar(select(SurveyAnswer))
    assert answer is not None
    answer.answered_at = utcnow() - timedelta(days=2)
    session.flush()
    page = client.get(path)
    assert page.status_code == 200 and "already answered" in page.text
    resp = client.post(path, data={"csrf_token": token, "csat": "1"})
    assert resp.status_code == 409
    assert "already answered" in resp.text
    session.refresh(answer)
    assert answer.csat == 4


def test_a_tampered_link_is_refused(client: TestClient, session: Session) -> None:
    _, invitation = solve_ticket(session)
    assert invitation is not None
    path = link_path(invitation)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    assert client.get(tampered).status_code == 403
    assert client.get(path + "x").status_code == 403
    resp = _post(client, path, {"csat": "5"})  # genuine still works
    assert resp.status_code == 200
    bad = client.post(tampered, data={"csrf_token": _csrf(client.get(path).text), "csat": "1"})
    assert bad.status_code == 403 and "not valid" in bad.text
    assert session.scalar(select(SurveyAnswer.csat)) == 5


def test_an_expired_link_says_the_survey_closed(client: TestClient, session: Session) -> None:
    _, invitation = solve_ticket(session, now=utcnow() - timedelta(days=20))
    assert invitation is not None
    page = client.get(link_path(invitation) + "?csat=5")
    assert page.status_code == 410 and "closed" in page.text
    fresh_path = link_path(invitation)
    token = _csrf(client.get("/login").text)
    resp = client.post(fresh_path, data={"csrf_token": token, "csat": "5"})
    assert resp.status_code == 410
    assert _answers(session) == 0


def test_a_link_for_ticket_x_is_refused_on_ticket_y(client: TestClient, session: Session) -> None:
    _, x = solve_ticket(session)
    other, y = solve_ticket(session)
    assert x is not None and y is not None
    assert client.get(link_path(x, ticket_id=other.id)).status_code == 403
    token = link_path(x).rsplit("/", 1)[1]
    assert client.get(f"/survey/nps/{token}").status_code == 403
    assert client.get(link_path(x)).status_code == 200


def test_missing_or_out_of_range_scores_name_the_field_and_store_nothing(
    client: TestClient, session: Session
) -> None:
    _, invitation = solve_ticket(session)
    assert invitation is not None
    path = link_path(invitation)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"ces": "5"}, "csat", "choose a score for CSAT"),
        ({"csat": "9"}, "csat", "CSAT must be from 1 to 5"),
        ({"csat": "0"}, "csat", "CSAT must be from 1 to 5"),
        ({"csat": "five"}, "csat", "CSAT must be a whole number"),
        ({"csat": "4", "ces": "8"}, "ces", "CES must be from 1 to 7"),
        ({"csat": "4", "reasons": ["bribery"]}, "reasons", "Unknown reason"),
        ({"csat": "4", "comment": "x" * 5001}, "comment", "longer than 5,000"),
    ]
    for data, field, words in cases:
        resp = _post(client, path, data)
        assert resp.status_code == 422, data
        assert f'data-field="{field}"' in resp.text
        assert words in resp.text
    assert _answers(session) == 0
    session.refresh(invitation)
    assert invitation.status == InvitationStatus.QUEUED


def test_relationship_survey_page_and_nps_follow_up(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session)
    invitation = service.invite(session, customer=customer, kind=SurveyKind.RELATIONSHIP)
    path = link_path(invitation)
    assert path.startswith("/survey/nps/")
    resp = _post(client, path, {"nps": "3", "comment": "Prices went up again"})
    assert resp.status_code == 200
    follow_up = session.scalar(select(SurveyFollowUp))
    assert follow_up is not None and follow_up.owner_id == manager.id
    assert follow_up.ticket_id is None


def test_opting_out_needs_a_click_and_stops_every_later_survey(
    client: TestClient, session: Session
) -> None:
    customer = make_customer(session)
    # Weeks later, the survey itself has closed; its opt-out link still works.
    _, invitation = solve_ticket(session, customer=customer, now=utcnow() - timedelta(days=40))
    assert invitation is not None
    assert client.get(link_path(invitation)).status_code == 410
    page = client.get(link_path(invitation) + "/opt-out")
    assert page.status_code == 200
    assert session.get(SurveyOptOut, customer.id) is None  # opening the link is not enough
    resp = client.post(link_path(invitation) + "/opt-out", data={"csrf_token": _csrf(page.text)})
    assert resp.status_code == 200 and "no more surveys" in resp.text.lower()
    assert session.get(SurveyOptOut, customer.id) is not None
    before = len(survey_mails(session, customer))
    _, later = solve_ticket(session, customer=customer)
    assert later is not None and later.skip_reason == "opted out"
    assert len(survey_mails(session, customer)) == before
    assert (
        session.scalar(
            select(func.count())
            .select_from(SurveyInvitation)
            .where(
                SurveyInvitation.customer_id == customer.id,
                SurveyInvitation.status == InvitationStatus.QUEUED,
            )
        )
        == 1
    )
