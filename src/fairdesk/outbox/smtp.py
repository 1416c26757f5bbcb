"""E-mail out: outbox payloads become RFC 5322 messages, sent by a small pluggable sender.

The sender is chosen in settings (``mail_backend``): ``smtp`` talks to any SMTP server with
the stdlib client (plain, STARTTLS or implicit TLS, optional login), ``log`` only writes each
message to the log so the demo works with no mail server. Threading headers are set from the
payload so a customer's reply lands back in the same ticket.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any, Protocol

from fairdesk.config import Settings
from fairdesk.db.base import utcnow

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A send that did not happen; the outbox retries it with backoff."""


class MailSender(Protocol):
    """Anything that can hand one message on; ``close`` ends a kept-open connection."""

    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


def _ids(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return []


def build_email(payload: dict[str, Any], settings: Settings) -> EmailMessage:
    """The message for one outbox e-mail payload.

    Payload keys: ``to``, ``subject``, ``text`` (required); ``message_id``, ``in_reply_to``
    (one id or a list), ``references`` (optional). A payload without a Message-ID gets one
    here, so even then the customer's reply can be threaded.
    """
    to = str(payload.get("to") or "").strip()
    if "@" not in to:
        raise DeliveryError("the outbox payload has no recipient address ('to')")
    msg = EmailMessage()
    msg["From"] = formataddr((settings.business_name, settings.support_email))
    msg["To"] = to
    msg["Subject"] = " ".join(str(payload.get("subject") or "").split())  # no header breaks
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = str(payload.get("message_id") or make_msgid(domain=settings.mail_domain))
    parents = _ids(payload.get("in_reply_to"))
    if parents:
        msg["In-Reply-To"] = parents[-1]
    references = list(dict.fromkeys(_ids(payload.get("references")) + parents))
    if references:
        msg["References"] = " ".join(references)
    msg.set_content(str(payload.get("text") or ""))
    return msg


class LogSender:
    """Writes each e-mail to the log instead of sending it (the demo's default)."""

    def send(self, message: EmailMessage) -> None:
        logger.info(
            "e-mail (log backend) to %s: %s [%s]",
            message["To"],
            message["Subject"],
            message["Message-ID"],
        )

    def close(self) -> None:
        return None


class SmtpSender:
    """Sends through one SMTP server, keeping the connection open across a batch.

    Any failure closes the connection (the next send reconnects) and is raised as
    ``DeliveryError`` carrying the server's answer, which the outbox records.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        conn: smtplib.SMTP
        if s.smtp_security == "tls":
            conn = smtplib.SMTP_SSL(
                s.smtp_host,
                s.smtp_port,
                timeout=s.smtp_timeout_s,
                context=ssl.create_default_context(),
            )
        else:
            conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s)
        try:
            conn.ehlo()
            if s.smtp_security == "starttls":
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if s.smtp_username:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                conn.login(s.smtp_username, password)
        except BaseException:
            conn.close()
            raise
        return conn

    def send(self, message: EmailMessage) -> None:
        try:
            if self._conn is None:
                self._conn = self._connect()
            refused = self._conn.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise DeliveryError(f"SMTP {self.settings.smtp_host}: {_describe(exc)}") from exc
        if refused:
            raise DeliveryError(f"SMTP refused recipients: {refused}")

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


def make_sender(settings: Settings) -> MailSender:
    if settings.mail_backend == "smtp":
        return SmtpSender(settings)
    return LogSender()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        raw = exc.smtp_error
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"recipients refused: {exc.recipients}"
    return f"{type(exc).__name__}: {exc}"
