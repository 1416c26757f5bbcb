"""The /scorecard page over real HTTP: charts as JSON, tables, CSV links, scopes, bad input."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from tests.conftest import login
from tests.scorecard.helpers import PERIOD, make_desk


def test_manager_page_has_charts_tables_csv_links_and_pain_points(
    client: TestClient, session: Session, manager: StaffUser, agent: StaffUser
) -> None:
    make_desk(session, [agent])
    login(client, manager)
    page = client.get("/scorecard", params={**PERIOD, "by": "agent"})
    assert page.status_code == 200
    text = html.unescape(page.text)
    charts = re.findall(r'<canvas data-chart="(chart-[a-z]+)"', page.text)
    assert charts == ["chart-satisfaction", "chart-speed", "chart-breakdown", "chart-funnel"]
    for chart in charts:
        spec = json.loads(html.unescape(page.text.split(f'id="{chart}">')[1].split("</script>")[0]))
        assert spec["type"] in ("line", "bar") and spec["data"]["datasets"]
    assert agent.name in text  # the agent row is labelled by name
    assert "Pain points" in text and "Journey: lead → paid → repeat" in text
    links = re.findall(r'href="(/scorecard\.csv\?[^"]+)"', page.text)
    assert {html.unescape(link).split("table=")[1] for link in links} >= {
        "weeks",
        "rows",
        "funnel",
        "pain",
    }
    download = client.get(html.unescape(links[0]))
    assert download.status_code == 200 and download.text.startswith("week,tickets")


def test_agent_page_shows_only_their_row(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    make_desk(session, [agent])
    login(client, agent)
    page = client.get("/scorecard", params=PERIOD)
    assert page.status_code == 200
    assert "your own cases only" in page.text
    assert "Pain points" not in page.text and 'name="by"' not in page.text


def test_bad_dates_show_an_error_page_naming_the_field(
    client: TestClient, manager: StaffUser
) -> None:
    login(client, manager)
    page = client.get("/scorecard", params={"since": "2026-09-01", "until": "2026-01-01"})
    assert page.status_code == 422 and "since" in page.text
    assert client.get("/scorecard", params={"by": "<b>"}).status_code == 422


def test_empty_period_says_no_data(client: TestClient, manager: StaffUser) -> None:
    login(client, manager)
    page = client.get("/scorecard", params={"since": "2001-01-01", "until": "2001-02-01"})
    assert page.status_code == 200 and "No data for this period." in page.text
