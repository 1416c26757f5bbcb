"""A manager links a theme to an improvement and ships it; customers see it on the public page.

Real Chromium against the live server: the themes page with its charts, the improvement
forms (plan, link a theme, ship), and the public "you said, we did" page without signing in.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from fairdesk.auth.models import Role
from fairdesk.db.base import utcnow
from fairdesk.db.session import unit_of_work
from fairdesk.feedback.improvements.models import Improvement, ImprovementNotification
from fairdesk.feedback.themes import build as themes_build
from fairdesk.feedback.themes import service as theme_service
from fairdesk.feedback.themes.models import ThemeMembership
from tests.factories import PASSWORD, make_customer, make_user
from tests.feedback.helpers import add_comment, add_message
from tests.feedback.themes.synthetic import planted_corpus
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_link_a_theme_to_an_improvement_and_ship_it(
    live_server: LiveServer, page: Page, browser: Browser, tmp_path: Path
) -> None:
    texts, _ = planted_corpus(160, seed=21)
    start = utcnow() - timedelta(weeks=10)
    with unit_of_work(live_server.engine) as session:
        manager = make_user(session, role=Role.MANAGER, name="Mo Manager")
        customers = [make_customer(session) for _ in range(20)]
        for i, text in enumerate(texts):
            writer = add_comment if i % 2 else add_message
            writer(session, customers[i % 20], text, at=start + timedelta(hours=9 * i))
        themes_build.build(session, now=utcnow(), backend="tfidf")
        grinder = max(
            theme_service.list_themes(session), key=lambda t: t.signature.get("grinder", 0.0)
        )
        theme_name, manager_email = grinder.name, manager.email
        option = f"{grinder.name} ({grinder.size})"
        writers = session.scalar(
            select(func.count(func.distinct(ThemeMembership.customer_id))).where(
                ThemeMembership.theme_id == grinder.id
            )
        )

    page.goto(f"{live_server.url}/login")
    page.get_by_label("E-mail").fill(manager_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Themes", exact=True).click()
    expect(page.get_by_role("heading", name="What customers write about")).to_be_visible()
    expect(page.get_by_role("link", name=theme_name)).to_be_visible()
    expect(page.locator("canvas[data-chart]").first).to_be_visible()
    page.screenshot(path=tmp_path / "themes.png", full_page=True)

    page.get_by_role("link", name="You said, we did →").click()
    page.get_by_label("What changed (public title)").fill("Grinders replaced within a day")
    page.get_by_label("Description (public, customers read it)").fill(
        "A faulty grinder is now swapped the next day, no questions asked."
    )
    page.get_by_role("button", name="Plan it").click()
    expect(page.get_by_role("status")).to_contain_text("Planned.")
    expect(page.locator("#improvement-status")).to_contain_text("planned")

    page.get_by_label("Link a theme").select_option(label=option)
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Linked.")
    expect(page.locator("#linked-themes")).to_contain_text(theme_name)

    page.get_by_role("button", name="Mark shipped and tell customers").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Shipped\. \d+ customer"))
    expect(page.locator("#improvement-status")).to_contain_text("shipped")
    expect(page.locator("#notified")).to_contain_text(re.compile(r"[1-9]\d* e-mailed"))
    expect(page.locator("canvas[data-chart='before-after']")).to_be_visible()
    page.screenshot(path=tmp_path / "improvement.png", full_page=True)

    with unit_of_work(live_server.engine) as session:
        improvement = session.scalar(
            select(Improvement).where(Improvement.title == "Grinders replaced within a day")
        )
        assert improvement is not None and improvement.status == "shipped"
        told = session.scalar(
            select(func.count())
            .select_from(ImprovementNotification)
            .where(ImprovementNotification.improvement_id == improvement.id)
        )
        assert writers and told == writers

    public = browser.new_context().new_page()
    public.goto(f"{live_server.url}/you-said-we-did")
    expect(public.get_by_role("heading", name="Grinders replaced within a day")).to_be_visible()
    expect(public.get_by_text("swapped the next day")).to_be_visible()
    expect(public.get_by_role("navigation", name="main")).to_have_count(0)
    public.context.close()
