"""The survey e-mail through a real SMTP server: its score links open the form and answer it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, select

from fairdesk.app import create_app
from fairdesk.config import Settings, get_settings
from fairdesk.db.session import unit_of_work
from fairdesk.feedback.surveys.models import SurveyAnswer, SurveyOptOut
from fairdesk.outbox import worker
from tests.conftest import TEST_SECRET
from tests.factories import make_customer
from tests.feedback.surveys.helpers import solve_ticket
from tests.outbox.smtp_sink import smtp_sink


def test_the_survey_email_carries_working_links(committed_db: Engine) -> None:
    with unit_of_work(committed_db) as session:
        customer = make_customer(session, email="bea@example.com", first_name="Bea")
        ticket, invitation = solve_ticket(session, customer=customer, subject="Late parcel")
        assert invitation is not None
        customer_id, ticket_id = customer.id, ticket.id
    settings = Settings(
        mail_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_timeout_s=5,
        secret_key=SecretStr(TEST_SECRET),
    )
    with smtp_sink() as (sink, port):
        report = worker.run_once(
            committed_db, settings=settings.model_copy(update={"smtp_port": port})
        )
    assert report.failed == 0
    [mail] = [
        m
        for m in sink.messages
        if m["To"] == "bea@example.com" and "How did we do?" in m["Subject"]
    ]
    body = mail.get_content()
    base = get_settings().public_base_url.rstrip("/")
    score_links = re.findall(re.escape(base) + r"/survey/\S+\?csat=\d", body)
    assert len(score_links) == 5
    opt_out = re.search(re.escape(base) + r"/survey/\S+/opt-out", body)
    assert opt_out is not None

    with TestClient(create_app(settings, committed_db)) as client:
        target = urlsplit(score_links[-1])
        assert target.path.startswith(f"/survey/{ticket_id}/")
        page = client.get(f"{target.path}?{target.query}")
        assert page.status_code == 200 and re.search(r'value="5" checked', page.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        sent = client.post(target.path, data={"csrf_token": token.group(1), "csat": "5"})
        assert sent.status_code == 200
        assert client.get(urlsplit(opt_out.group(0)).path).status_code == 200
    with unit_of_work(committed_db) as session:
        answer = session.scalar(select(SurveyAnswer).where(SurveyAnswer.ticket_id == ticket_id))
        assert answer is not None and answer.csat == 5
        assert session.get(SurveyOptOut, customer_id) is None  # the GET only asks
