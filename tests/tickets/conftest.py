"""Fixtures for the e-mail channel: a real SMTP intake server on a database of its own.

The server commits its own transactions (that is the point: 250 only after a commit), so
these tests use ``committed_db`` — a fresh database per test, both dialects — instead of
the rolled-back ``session``.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

import pytest
from sqlalchemy import Engine

from fairdesk.config import Settings, get_settings
from fairdesk.tickets.mail_server import make_controller
from tests.outbox.smtp_sink import free_port
from tests.outbox.throwaway import committed_db, db_template

__all__ = ["committed_db", "db_template"]

SUPPORT = "support@fairdesk.example"
ATTACHMENT_LIMIT = 50_000
MESSAGE_LIMIT = 400_000


@pytest.fixture()
def mail_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Small limits so the size rules can be tested with small messages."""
    monkeypatch.setenv("FAIRDESK_ATTACHMENT_MAX_BYTES", str(ATTACHMENT_LIMIT))
    monkeypatch.setenv("FAIRDESK_MAIL_MAX_MESSAGE_BYTES", str(MESSAGE_LIMIT))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@dataclass
class SmtpClient:
    """Speaks SMTP to the server under test and returns each final reply."""

    port: int

    def send(
        self, message: EmailMessage | bytes, *, sender: str = "a@example.com", rcpt: str = SUPPORT
    ) -> tuple[int, str]:
        raw = message if isinstance(message, bytes) else message.as_bytes(policy=policy.SMTP)
        with smtplib.SMTP("127.0.0.1", self.port, timeout=30) as smtp:
            smtp.ehlo()
            code, text = smtp.mail(sender)
            if code == 250:
                code, text = smtp.rcpt(rcpt)
            if code == 250:
                code, text = smtp.data(raw)
            return code, text.decode()


@pytest.fixture()
def smtp_server(committed_db: Engine, mail_settings: Settings) -> Iterator[SmtpClient]:
    controller = make_controller(committed_db, host="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SmtpClient(controller.port)
    finally:
        controller.stop()
