"""The "you said, we did" e-mail through the real outbox worker and a real SMTP server."""

from __future__ import annotations

from sqlalchemy import Engine, select

from fairdesk.auth.models import Role
from fairdesk.config import Settings
from fairdesk.db.session import unit_of_work
from fairdesk.feedback.improvements import service as improvement_service
from fairdesk.outbox import worker
from fairdesk.outbox.models import OutboxItem, OutboxStatus
from tests.factories import make_user
from tests.feedback.improvements.helpers import build_desk
from tests.outbox.smtp_sink import smtp_sink


def _settings(port: int) -> Settings:
    return Settings(
        mail_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_timeout_s=5,
        business_name="Lark Lane Roasters",
    )


def test_each_customer_who_asked_gets_one_email_however_often_it_ships(
    committed_db: Engine,
) -> None:
    with unit_of_work(committed_db) as session:
        manager = make_user(session, role=Role.MANAGER)
        desk = build_desk(session)
        desk.customers[0].consent_email = False
        asked = sorted(c.email or "" for c in desk.customers[1:])
        improvement = improvement_service.create(
            session,
            title="Tracked courier on every order",
            description="Every parcel now has tracking from the day it leaves us.",
            owner_id=manager.id,
            planned_for=None,
            theme_ids=[desk.delivery.id],
            actor=manager,
        )
        improvement_id, manager_id = improvement.id, manager.id
        improvement_service.ship(session, improvement_id, actor=manager)
    with smtp_sink() as (sink, port):
        first = worker.run_once(committed_db, settings=_settings(port))
        with unit_of_work(committed_db) as session:
            again = session.get(type(manager), manager_id)
            improvement_service.ship(session, improvement_id, actor=again)
        second = worker.run_once(committed_db, settings=_settings(port))
    assert first.sent == 7 and first.failed == 0 and second.claimed == 0
    assert sorted(m["To"] for m in sink.messages) == asked
    mail = sink.messages[0]
    assert mail["Subject"] == "You said, we did: Tracked courier on every order"
    assert mail["From"].startswith("Lark Lane Roasters")
    body = mail.get_content()
    assert "Every parcel now has tracking" in body
    assert "/you-said-we-did" in body and body.startswith("Hello Del")
    with unit_of_work(committed_db) as session:
        statuses = set(session.scalars(select(OutboxItem.status)))
    assert statuses == {OutboxStatus.SENT}
