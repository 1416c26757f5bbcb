"""The SMTP half of e-mail in: an aiosmtpd server whose every 250 follows a database commit.

A sending mail server keeps a message until it hears 250, and retries after a 4xx. So the
handler answers 250 only once ``intake.receive`` has committed, 451 when the database is
unreachable (the sender tries again later), and 5xx only for mail that can never become a
ticket: a wrong recipient, no sender at all, or a message over the size limit (552, answered
by aiosmtpd itself before the data is read). A re-delivery of a stored message, including
two copies racing each other, is answered 250 and stored once.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from fairdesk.config import Settings, get_settings
from fairdesk.db.session import unit_of_work
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.mail_parse import MailRejected, parse_message

logger = logging.getLogger(__name__)

STORE_ATTEMPTS = 3  # a lost unique-key race is retried; the retry then sees the winner
_UNPRINTABLE_RE = re.compile(r"[^\x20-\x7e]")


@dataclass(frozen=True)
class Stored:
    reference: str
    created: bool
    duplicate: bool


def accepts_recipient(address: str, support_email: str) -> bool:
    """Is ``address`` the support mailbox? Plus-addressing (support+tag@) is the same box.

    Tags are how people file mail (support+orders@…); refusing them would bounce a customer
    for a detail they don't control. Matching ignores case, as mail systems do in practice.
    """
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    want_local, _, want_domain = support_email.strip().lower().rpartition("@")
    return bool(local) and domain == want_domain and local.split("+", 1)[0] == want_local


class IntakeHandler:
    """aiosmtpd handler: RCPT checks the mailbox, DATA parses and stores in a worker thread."""

    def __init__(self, engine: Engine, settings: Settings | None = None) -> None:
        self.engine = engine
        self.settings = settings or get_settings()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if not accepts_recipient(address, self.settings.support_email):
            return (
                f"550 5.1.1 <{_printable(address)}>: no such mailbox here; "
                f"write to {self.settings.support_email}"
            )
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content
        if raw is None:
            raw = envelope.content if isinstance(envelope.content, bytes) else b""
        # Parsing and the database are blocking work: keep them off the event loop so one
        # slow message never stalls the other connections.
        return await asyncio.to_thread(self.process, raw, envelope.mail_from or None)

    def process(self, raw: bytes, envelope_from: str | None) -> str:
        """The SMTP reply for one message's data; 250 only after the commit."""
        try:
            stored = self.store(parse_message(raw, envelope_from=envelope_from))
        except MailRejected as exc:
            return f"550 5.1.7 {exc.reason}"
        except Exception:  # database down, or a fault of ours: the sender keeps the message
            logger.exception("could not store an incoming e-mail; answered 451")
            return "451 4.3.0 the message could not be stored just now; please try again later"
        if stored.duplicate:
            return f"250 2.0.0 already received as {stored.reference}"
        return f"250 2.0.0 received as {stored.reference}"

    def store(self, incoming: Incoming) -> Stored:
        """Commit one message; a racing copy of the same Message-ID ends as a duplicate."""
        attempt = 1
        while True:
            try:
                with unit_of_work(self.engine) as session:
                    result = receive(session, incoming)
                    stored = Stored(
                        reference=result.ticket.reference,
                        created=result.created,
                        duplicate=result.duplicate,
                    )
                return stored
            except IntegrityError:
                # Another delivery of the same e-mail committed first (unique Message-ID);
                # the next attempt finds it and answers as a duplicate.
                if attempt >= STORE_ATTEMPTS:
                    raise
                logger.info("unique-key race on incoming e-mail, retrying (%d)", attempt)
                attempt += 1


def make_controller(
    engine: Engine, *, host: str, port: int, settings: Settings | None = None
) -> Controller:
    """An aiosmtpd server on its own thread; ``start()`` binds it, ``stop()`` ends it."""
    settings = settings or get_settings()
    return Controller(
        IntakeHandler(engine, settings),
        hostname=host,
        port=port,
        server_hostname=settings.mail_domain,
        ident="fairdesk",
        data_size_limit=settings.mail_max_message_bytes,
        enable_SMTPUTF8=True,
    )


def _printable(text: str) -> str:
    """Safe to echo in a one-line SMTP reply."""
    return _UNPRINTABLE_RE.sub("?", text)[:200]
