"""A customer answers a survey in Chromium with JavaScript off; the owner closes the follow-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from fairdesk.auth.models import Role
from fairdesk.db.session import unit_of_work
from fairdesk.feedback.surveys.models import FollowUpStatus, SurveyAnswer, SurveyFollowUp
from tests.factories import PASSWORD, make_user
from tests.feedback.surveys.helpers import link_path, solve_ticket
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser
COMMENT = "Took <b>three</b> e-mails <script>alert(1)</script>"


def test_customer_answers_by_link_and_the_owner_follows_up(
    live_server: LiveServer, browser: Browser, page: Page, tmp_path: Path
) -> None:
    with unit_of_work(live_server.engine) as session:
        agent = make_user(session, role=Role.AGENT)
        ticket, invitation = solve_ticket(session, assignee=agent, subject="Grinder jammed")
        assert invitation is not None
        path, email, reference = link_path(invitation), agent.email, ticket.reference

    customer = browser.new_context(java_script_enabled=False)
    tab = customer.new_page()
    tab.goto(f"{live_server.url}{path}?csat=2")  # the "2" link in the e-mail
    expect(tab.get_by_role("heading", name="How did we do?")).to_be_visible()
    expect(tab.get_by_role("radio", name="2", exact=True).first).to_be_checked()
    tab.get_by_role("checkbox", name="slow").check()
    tab.get_by_label("Anything you would like to tell us?").fill(COMMENT)
    tab.get_by_role("button", name="Send").click()
    expect(tab.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(tab.get_by_role("status")).to_contain_text("someone will contact you")
    expect(tab.locator("blockquote")).to_have_text(COMMENT)  # shown as text, not markup
    tab.screenshot(path=tmp_path / "survey-thanks.png", full_page=True)
    customer.close()

    with unit_of_work(live_server.engine) as session:
        answer = session.scalar(select(SurveyAnswer).where(SurveyAnswer.ticket_id == ticket.id))
        assert answer is not None
        assert (answer.csat, answer.reasons, answer.comment) == (2, ["slow"], COMMENT)

    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/surveys/follow-ups")
    card = page.locator("section.card", has_text=reference)
    expect(card.locator("blockquote")).to_have_text(COMMENT)
    card.get_by_label("What did you do?").fill("Phoned; sent a new burr set")
    card.get_by_role("button", name="Close follow-up").click()
    expect(page.get_by_text("Follow-up closed")).to_be_visible()
    with unit_of_work(live_server.engine) as session:
        follow_up = session.scalar(
            select(SurveyFollowUp).where(SurveyFollowUp.ticket_id == ticket.id)
        )
        assert follow_up is not None and follow_up.status == FollowUpStatus.DONE
