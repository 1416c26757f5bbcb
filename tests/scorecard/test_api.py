"""/api/v1/scorecard and its CSV over real HTTP: figures, bad input, empty periods, scopes."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.scorecard.rollup import rebuild
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel, TicketStatus
from tests.factories import make_customer, make_token, make_user
from tests.scorecard.helpers import PERIOD, START, make_desk


def _headers(session: Session, user: StaffUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(session, user)}"}


def test_managers_get_figures_and_each_chart_as_safe_csv(
    client: TestClient, session: Session, manager: StaffUser, agent: StaffUser
) -> None:
    make_desk(session, [agent])
    headers = _headers(session, manager)
    body = client.get("/api/v1/scorecard", params=PERIOD, headers=headers).json()
    assert body["no_data"] is False and body["scope"] == "business"
    assert body["overall"]["tickets"] == 6 and body["overall"]["resolved"] == 6
    assert body["overall"]["frt_median"] == pytest.approx(120, rel=0.1)
    assert body["overall"]["contacts_per_resolved"] == 1.0
    assert [r["label"] for r in body["rows"]] == ['=HYPERLINK("x")']
    resp = client.get("/api/v1/scorecard/csv", params={**PERIOD, "table": "rows"}, headers=headers)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(resp.text)))
    assert rows[1][:2] == ["odd", '\'=HYPERLINK("x")']  # text, not a formula
    for table in ("weeks", "funnel", "pain"):
        got = client.get(
            "/api/v1/scorecard/csv", params={**PERIOD, "table": table}, headers=headers
        )
        assert got.status_code == 200 and got.text.count("\n") >= 1


def test_an_agent_sees_only_their_own_row(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    other = make_user(session, role=Role.AGENT)
    make_desk(session, [agent, other])
    body = client.get(
        "/api/v1/scorecard", params={**PERIOD, "by": "segment"}, headers=_headers(session, agent)
    ).json()
    assert body["scope"] == "agent" and body["overall"]["tickets"] == 3
    assert [r["value"] for r in body["rows"]] == [str(agent.id)]
    assert body["pain_points"] == [] and body["cohorts"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-05-01", "until": "2026-04-01"}, "since"),
        ({"since": "01/02/2026"}, "since"),
        ({"until": "2026-04-31"}, "until"),
        ({"by": "shoe size"}, "by"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, api_headers: dict[str, str], params: dict[str, str], field: str
) -> None:
    resp = client.get("/api/v1/scorecard", params=params, headers=api_headers)
    assert resp.status_code == 422
    assert resp.json()["field"] == field and field in resp.json()["message"]
    csv_resp = client.get("/api/v1/scorecard/csv", params=params, headers=api_headers)
    assert csv_resp.status_code == 422 and csv_resp.json()["field"] == field
    assert (
        client.get("/api/v1/scorecard/csv", params={"table": "x"}, headers=api_headers).json()[
            "field"
        ]
        == "table"
    )


def test_an_empty_database_says_no_data(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    rebuild(session)
    headers = _headers(session, manager)
    body = client.get("/api/v1/scorecard", params=PERIOD, headers=headers).json()
    assert body["no_data"] is True
    assert body["overall"]["csat"]["value"] is None and body["overall"]["nps"]["value"] is None
    assert body["overall"]["contacts_per_resolved"] is None
    assert body["overall"]["funnel"]["steps"][1]["conversion"] is None


def test_a_week_without_answers_says_no_data_in_csv(
    client: TestClient, session: Session, manager: StaffUser, agent: StaffUser
) -> None:
    make_desk(session, [agent])
    late = START + timedelta(weeks=5)
    c = make_customer(session, email="late@example.com")
    ticket = receive(
        session,
        Incoming(
            channel=IntakeChannel.EMAIL, customer_id=c.id, subject="Broken lid", body="It cracked."
        ),
        now=late,
    ).ticket
    ticket_service.reply(
        session,
        ticket_id=ticket.id,
        author=agent,
        body="Sorry!",
        status_after=TicketStatus.RESOLVED,
        now=late + timedelta(hours=1),
    )
    rebuild(session)
    resp = client.get(
        "/api/v1/scorecard/csv",
        params={**PERIOD, "table": "weeks"},
        headers=_headers(session, manager),
    )
    header, *rows = list(csv.reader(io.StringIO(resp.text)))
    by_week = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    quiet = by_week[late.date().isoformat()]
    assert quiet["tickets"] == "1"
    assert quiet["CSAT (%)"] == quiet["NPS"] == quiet["CES mean (1-7)"] == "no data"
    assert by_week[START.date().isoformat()]["CSAT (%)"] != "no data"


def test_rebuild_is_for_managers_and_audited(
    client: TestClient, session: Session, manager: StaffUser, api_headers: dict[str, str]
) -> None:
    assert client.post("/api/v1/scorecard/rebuild", headers=api_headers).status_code == 403
    resp = client.post(
        "/api/v1/scorecard/rebuild",
        params={"since": "2026-03-04"},
        headers=_headers(session, manager),
    )
    assert resp.status_code == 200 and resp.json()["since"] == "2026-03-02"
