"""E-mail in over a real socket: what the SMTP server answers and what it stored."""

from __future__ import annotations

import threading
from email.message import EmailMessage

from sqlalchemy import Engine, select

from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets.mail_parse import EMPTY_BODY
from fairdesk.tickets.mail_server import make_controller
from fairdesk.tickets.models import Attachment, Message, MessageKind, Ticket
from tests.outbox.smtp_sink import free_port
from tests.tickets.conftest import ATTACHMENT_LIMIT, MESSAGE_LIMIT, SmtpClient
from tests.tickets.test_mail_parse import SCRIPTED_HTML


def _mail(
    sender: str = "Ann Lee <ann@example.com>",
    *,
    subject: str = "Broken cup",
    body: str = "The handle came off.",
    message_id: str = "<m1@example.com>",
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "support@fairdesk.example"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg


def _customer_messages(engine: Engine) -> list[Message]:
    with unit_of_work(engine) as session:
        return list(
            session.scalars(
                select(Message).where(Message.kind == MessageKind.CUSTOMER).order_by(Message.id)
            )
        )


def _ticket(engine: Engine, ticket_id: int) -> Ticket:
    with unit_of_work(engine) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket


def test_mail_becomes_a_ticket_before_250(smtp_server: SmtpClient, committed_db: Engine) -> None:
    code, text = smtp_server.send(_mail())
    assert code == 250
    [message] = _customer_messages(committed_db)
    ticket = _ticket(committed_db, message.ticket_id)
    assert f"received as {ticket.reference}" in text
    assert message.body == "The handle came off." and ticket.subject == "Broken cup"
    with unit_of_work(committed_db) as session:
        ack = session.scalar(
            select(OutboxItem).where(OutboxItem.dedup_key == f"ack:ticket:{ticket.id}")
        )
        assert ack is not None and ack.payload["to"] == "ann@example.com"


def test_wrong_recipient_is_refused(smtp_server: SmtpClient, committed_db: Engine) -> None:
    code, text = smtp_server.send(_mail(), rcpt="sales@fairdesk.example")
    assert code == 550 and "support@fairdesk.example" in text
    assert smtp_server.send(_mail(), rcpt="Support+Orders@fairdesk.example")[0] == 250
    assert len(_customer_messages(committed_db)) == 1


def test_no_sender_at_all_is_refused_with_the_reason(
    smtp_server: SmtpClient, committed_db: Engine
) -> None:
    raw = b"To: support@fairdesk.example\r\nSubject: who am I\r\n\r\nhello"
    code, text = smtp_server.send(raw, sender="")
    assert code == 550 and "no sender address" in text
    # A missing From header with a real envelope sender is still heard.
    assert smtp_server.send(raw, sender="env@example.com")[0] == 250
    [message] = _customer_messages(committed_db)
    assert message.body == "hello"


def test_html_with_scripts_and_tracking_is_stored_as_clean_text(
    smtp_server: SmtpClient, committed_db: Engine
) -> None:
    msg = _mail()
    msg.set_content(SCRIPTED_HTML, subtype="html")
    assert smtp_server.send(msg)[0] == 250
    [message] = _customer_messages(committed_db)
    assert "My order #1234 arrived broken." in message.body
    for gone in ("<script", "cookie", "track.example", "<img", "onclick"):
        assert gone not in message.body


def test_unknown_charset_and_malformed_mime_are_stored(
    smtp_server: SmtpClient, committed_db: Engine
) -> None:
    bogus = (
        b"From: a@example.com\r\nMessage-ID: <c1@example.com>\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\nna\xefve caf\xe9\r\n"
    )
    broken = (
        b"From: b@example.com\r\nMessage-ID: <c2@example.com>\r\n"
        b"Content-Type: multipart/mixed; boundary=XYZ\r\n\r\n--XYZ\r\n"
        b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!not base64\r\n"
    )
    assert smtp_server.send(bogus)[0] == 250
    assert smtp_server.send(broken)[0] == 250
    first, second = _customer_messages(committed_db)
    assert first.body == "naïve café" and second.body


def test_odd_bytes_in_headers_and_body_are_stored(
    smtp_server: SmtpClient, committed_db: Engine
) -> None:
    raw = (
        b"From: " + b"Jos\xe9 " * 40 + b"<jose@example.com>\r\n"  # Latin-1, over 120 chars
        b"Subject: caf\xe9 \x00 cr\xe8me\r\nMessage-ID: <odd\x00id@example.com>\r\n"
        b"Content-Type: text/plain; charset=unicode_escape\r\n\r\nnul \x00 and \\ud800 here\r\n"
    )
    assert smtp_server.send(raw)[0] == 250
    [message] = _customer_messages(committed_db)
    assert message.body == "nul  and \\ud800 here"  # a Python codec is no mail charset
    assert _ticket(committed_db, message.ticket_id).subject == "café crème"


def test_empty_body_is_stored_with_a_placeholder(
    smtp_server: SmtpClient, committed_db: Engine
) -> None:
    assert smtp_server.send(b"From: a@example.com\r\nSubject: (nothing)\r\n\r\n")[0] == 250
    [message] = _customer_messages(committed_db)
    assert message.body == EMPTY_BODY


def test_oversized_attachment_is_bounced_and_the_rest_kept(
    smtp_server: SmtpClient, committed_db: Engine
) -> None:
    msg = _mail()
    msg.add_attachment(b"x" * 100, maintype="application", subtype="pdf", filename="receipt.pdf")
    big = b"y" * (ATTACHMENT_LIMIT + 1)
    msg.add_attachment(big, maintype="video", subtype="mp4", filename="unboxing.mp4")
    assert smtp_server.send(msg)[0] == 250
    [message] = _customer_messages(committed_db)
    assert message.body == "The handle came off."
    assert "unboxing.mp4" in message.meta["rejected_attachments"][0]
    with unit_of_work(committed_db) as session:
        kept = session.scalars(select(Attachment.filename)).all()
        bounce = session.scalar(
            select(OutboxItem).where(OutboxItem.dedup_key == f"bounce:message:{message.id}")
        )
    assert kept == ["receipt.pdf"]
    assert bounce is not None and "unboxing.mp4" in bounce.payload["text"]


def test_message_over_the_size_limit_gets_552(
    smtp_server: SmtpClient, committed_db: Engine
) -> None:
    code, _text = smtp_server.send(_mail(body="z" * (MESSAGE_LIMIT + 10)))
    assert code == 552
    assert _customer_messages(committed_db) == []


def test_same_mail_delivered_twice_is_one_ticket(
    smtp_server: SmtpClient, committed_db: Engine
) -> None:
    first = smtp_server.send(_mail())
    again = smtp_server.send(_mail())
    assert first[0] == again[0] == 250 and "already received" in again[1]
    assert len(_customer_messages(committed_db)) == 1


def test_concurrent_copies_of_one_mail_store_it_once(
    smtp_server: SmtpClient, committed_db: Engine
) -> None:
    raw = _mail(message_id="<race@example.com>").as_bytes()
    codes: list[int] = []
    start = threading.Barrier(8)

    def deliver() -> None:
        start.wait()
        codes.append(smtp_server.send(raw)[0])

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [250] * 8
    assert len(_customer_messages(committed_db)) == 1


def test_reply_threads_but_a_quoted_foreign_reference_never_does(
    smtp_server: SmtpClient, committed_db: Engine
) -> None:
    assert smtp_server.send(_mail(message_id="<ann-1@example.com>"))[0] == 250
    [first] = _customer_messages(committed_db)
    reference = _ticket(committed_db, first.ticket_id).reference

    reply = _mail(subject=f"Re: [{reference}] Broken cup", message_id="<ann-2@example.com>")
    reply["In-Reply-To"] = "<ann-1@example.com>"
    assert smtp_server.send(reply)[0] == 250
    intruder = _mail(
        "Bob <bob@example.com>", subject=f"Re: [{reference}] mine too", message_id="<bob@x>"
    )
    intruder["In-Reply-To"] = "<ann-1@example.com>"
    assert smtp_server.send(intruder)[0] == 250

    ann_first, ann_reply, bob = _customer_messages(committed_db)
    assert ann_reply.ticket_id == ann_first.ticket_id
    assert bob.ticket_id != ann_first.ticket_id  # a new ticket of Bob's own
    assert _ticket(committed_db, bob.ticket_id).reference != reference


def test_database_down_answers_451_so_the_sender_retries(mail_settings: object) -> None:
    unreachable = build_engine(
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none",
        connect_args={"connect_timeout": 2},
    )
    controller = make_controller(unreachable, host="127.0.0.1", port=free_port())
    controller.start()
    try:
        code, text = SmtpClient(controller.port).send(_mail())
    finally:
        controller.stop()
        unreachable.dispose()
    assert code == 451 and "try again later" in text
