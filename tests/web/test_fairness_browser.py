"""A manager decides a fairness case, the customer appeals, another manager overturns it.

Real Chromium against the live server (``tests/web`` fixtures): the review queue, the dossier
and decision form, the customer's decision page opened from the notice e-mail in the outbox,
and the appeal review by a second manager.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from fairdesk.auth.models import Role
from fairdesk.db.session import unit_of_work
from fairdesk.fairness import restrictions
from fairdesk.fairness.models import FairnessDecision, RestrictionKind
from fairdesk.outbox.models import OutboxItem
from tests.factories import PASSWORD, make_customer, make_user
from tests.fairness.case_helpers import make_case
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


def _sign_in(tab: Page, url: str, email: str) -> None:
    tab.goto(f"{url}/login")
    tab.get_by_label("E-mail").fill(email)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()


def test_restrict_then_appeal_then_overturn(
    live_server: LiveServer, page: Page, browser: Browser, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8]
    with unit_of_work(live_server.engine) as session:
        first = make_user(session, role=Role.MANAGER, name=f"Mona First {tag}")
        second = make_user(session, role=Role.MANAGER, name=f"Nils Second {tag}")
        customer = make_customer(session, first_name="Petra", last_name=f"Appeal{tag}")
        case = make_case(session, customer, score=9.5, summary=f"Nine claims {tag}")
        first_email, second_email = first.email, second.email
        case_id, customer_id = case.id, customer.id

    # 1. The first manager opens the queue, then the dossier, and restricts one policy.
    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(staff, live_server.url, first_email)
    staff.get_by_role("link", name="Fairness", exact=True).click()
    expect(staff.get_by_role("heading", name="Fairness review queue")).to_be_visible()
    staff.get_by_role("link", name=f"Case {case_id}", exact=True).click()
    expect(staff.get_by_role("heading", name="Evidence")).to_be_visible()
    expect(staff.get_by_text("Shown, not used.")).to_be_visible()
    staff.get_by_label("Restrict one policy").check()
    staff.get_by_label("Policy to restrict").select_option("receipts_required")
    staff.get_by_label(re.compile("^Reason")).fill("Nine claims in two months, none with a receipt")
    staff.screenshot(path=tmp_path / "dossier.png", full_page=True)
    staff.get_by_role("button", name="Record decision").click()
    expect(staff.get_by_text("Decided: restrict")).to_be_visible()
    expect(staff.locator(".reason")).to_have_text("Nine claims in two months, none with a receipt")
    staff.context.close()

    # 2. The customer follows the link in the notice e-mail and appeals (no account).
    with unit_of_work(live_server.engine) as session:
        decision = session.scalars(
            select(FairnessDecision).where(FairnessDecision.case_id == case_id)
        ).one()
        notice = session.scalar(
            select(OutboxItem).where(OutboxItem.dedup_key == f"fairness:decision:{decision.id}")
        )
        assert notice is not None
        link = re.search(r"/portal/decisions/\S+", notice.payload["text"])
        assert link is not None
    page.goto(live_server.url + link.group(0))
    expect(page.get_by_role("heading", name="A decision about your account")).to_be_visible()
    expect(
        page.get_by_text(
            restrictions.CUSTOMER_WORDS[RestrictionKind.RECEIPTS_REQUIRED], exact=False
        )
    ).to_be_visible()
    page.get_by_label(re.compile("^Your appeal")).fill("I sent <b>photos</b> every time.")
    page.get_by_role("button", name="Send my appeal").click()
    expect(page.get_by_text("your appeal was received")).to_be_visible()
    expect(page.locator(".appeal-body")).to_have_text("I sent <b>photos</b> every time.")
    page.screenshot(path=tmp_path / "portal-appeal.png", full_page=True)

    # 3. A different manager overturns it; the customer's page says so.
    other = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(other, live_server.url, second_email)
    other.goto(f"{live_server.url}/fairness/appeals")
    card = other.locator("section.appeal", has_text=f"Appeal{tag}")
    expect(card).to_contain_text("I sent <b>photos</b> every time.")
    card.get_by_label("Reason the customer will read").fill("The photos were on file.")
    card.get_by_role("button", name="Overturn it").click()
    expect(other.get_by_text("Appeal overturned; the customer has been told.")).to_be_visible()
    other.screenshot(path=tmp_path / "appeals.png", full_page=True)
    other.context.close()
    with unit_of_work(live_server.engine) as session:
        assert restrictions.active_kinds(session, customer_id=customer_id) == frozenset()
    page.reload()
    expect(page.get_by_text("We overturned the decision")).to_be_visible()
