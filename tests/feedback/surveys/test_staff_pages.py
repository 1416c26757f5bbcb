"""Staff survey pages: the figures ("no data" when empty) and the managers' form editor."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.feedback.surveys import forms
from fairdesk.feedback.surveys.models import SurveyKind
from tests.conftest import login


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_overview_says_no_data_before_any_answer(client: TestClient, agent: StaffUser) -> None:
    login(client, agent)
    page = client.get("/surveys")
    assert page.status_code == 200
    assert "no data" in page.text and "No answers yet" in page.text
    assert client.get("/surveys?low=true&days=30").status_code == 200
    assert client.get("/surveys?days=0").status_code == 422  # out of range: a clear error


def test_managers_edit_the_form_and_bad_input_changes_nothing(
    client: TestClient, session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    login(client, agent)
    assert client.get("/surveys/forms").status_code == 403
    login(client, manager)
    page = client.get("/surveys/forms")
    assert page.status_code == 200 and "had to repeat myself" in page.text
    token = _csrf(page.text)
    bad = client.post(
        "/surveys/forms/ticket",
        data={
            "csrf_token": token,
            "title": "Hi",
            "questions": ["comment"],
            "active": "on",
        },
    )
    assert bad.status_code == 422 and 'data-field="questions"' in bad.text
    assert forms.get_form(session, SurveyKind.TICKET).questions == ["csat", "ces", "comment"]
    saved = client.post(
        "/surveys/forms/ticket",
        data={
            "csrf_token": token,
            "title": "Two questions",
            "questions": ["comment", "nps", "csat"],
            "reason_codes": "slow\nwrong item, late",
            "active": "on",
        },
    )
    assert saved.status_code == 200 and "was saved" in saved.text
    form = forms.get_form(session, SurveyKind.TICKET)
    session.refresh(form)
    assert form.questions == ["csat", "nps", "comment"]  # shown in the fixed order
    assert form.reason_codes == ["slow", "wrong item", "late"] and form.active
    audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "survey.form.update"))
    assert audit is not None and audit.actor_id == manager.id
