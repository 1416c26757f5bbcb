"""Raw e-mail bytes → ``Incoming``: the MIME half of the e-mail channel.

Customers' mail arrives in every shape: bogus charsets, broken MIME, HTML full of scripts and
tracking pixels, no text at all. The rule is that anything with a sender becomes a message —
garbled parts are decoded with replacement characters rather than refused — and the only
rejection is a message with nobody to answer (``MailRejected``). Nothing in here raises
anything else, whatever the bytes (a hypothesis test holds it to that).
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses
from pathlib import PurePosixPath, PureWindowsPath

from bs4 import BeautifulSoup

from fairdesk.tickets.intake import Incoming, IncomingAttachment
from fairdesk.tickets.models import IntakeChannel

EMPTY_BODY = "(empty message)"
UNREADABLE_BODY = (
    "(the structure of this e-mail could not be read; the original is attached as message.eml)"
)
MAX_MESSAGE_ID = 998  # the column's width, and RFC 5322's line limit
MAX_THREAD_IDS = 50
MAX_DEPTH = 20  # MIME nesting deeper than this is kept as raw attachments, not walked
MAX_NAME = 120  # the customer name columns are 120 wide; the whole name fits either

_MSGID_RE = re.compile(r"<[^<>\s\x00-\x1f\x7f]{1,990}>")
_ADDRESS_RE = re.compile(
    r"^[^@\s<>()\[\],;:\"\x00-\x1f\x7f]{1,64}@[^@\s<>()\[\],;:\"\x00-\x1f\x7f]{1,253}$"
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES_RE = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")

# Elements whose content is never text a person wrote: dropped with everything inside.
_DROP_TAGS = [
    "script",
    "style",
    "head",
    "title",
    "noscript",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "img",  # tracking pixels and remote images: never fetched, never shown
    "picture",
    "video",
    "audio",
    "canvas",
    "form",
    "button",
    "input",
    "select",
    "textarea",
]
_BLOCK_TAGS = [
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "table",
    "tr",
    "ul",
    "ol",
    "dl",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
]
# Treated as undeclared: UTF-8 and ASCII get the strict-then-fallback path, and the rest
# are Python's own codecs, not mail charsets (a sender naming one is confused or hostile).
_NOT_DECLARED = frozenset(
    {"utf-8", "ascii", "unicode-escape", "raw-unicode-escape", "undefined", "idna", "punycode"}
)
_LINE_TAGS = ["li", "dt", "dd", "tr"]  # a new line each, without a blank line between


class MailRejected(ValueError):
    """The message cannot become a ticket; ``reason`` is said to the sender (SMTP 550)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Parts:
    texts: list[str] = field(default_factory=list)
    attachments: list[IncomingAttachment] = field(default_factory=list)


def parse_message(raw: bytes, *, envelope_from: str | None = None) -> Incoming:
    """Turn one RFC 5322 message into an ``Incoming`` for ``intake.receive``.

    The sender is the From header, or the SMTP envelope sender when From is missing or
    unreadable. Threading ids come from In-Reply-To then References (newest first). A
    message without a Message-ID gets one derived from its bytes, so that a re-delivery of
    the same bytes is still recognised as a duplicate.
    """
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        name, email = _sender(msg, envelope_from)
        parts = _Parts()
        _collect(msg, parts, want_text=True, depth=0)
    except MailRejected:
        raise
    except Exception:  # MIME too broken to walk (e.g. nested past the recursion limit)
        msg = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        name, email = _sender(msg, envelope_from)
        parts = _unreadable(raw)
    body = _tidy("\n\n".join(t for t in parts.texts if t.strip()))
    message_id = _first_id(_header(msg, "Message-ID"))
    if message_id is None:
        message_id = f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.fairdesk.invalid>"
    return Incoming(
        channel=IntakeChannel.EMAIL,
        body=body or EMPTY_BODY,
        subject=_one_line(_header(msg, "Subject")).strip(),
        email=email,
        name=name or None,
        email_message_id=message_id,
        in_reply_to=_thread_ids(msg),
        attachments=parts.attachments,
    )


def html_to_text(html: str) -> str:
    """Readable plain text from customer HTML: no scripts, styles, images or markup survive.

    Beautiful Soup parses (the stdlib parser, so no native dependency); whole elements that
    never carry a person's words are removed, block elements become line breaks, and links
    keep their visible text plus the address when it differs, so an agent can see where a
    link pointed without it ever being clickable.
    """
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for link in soup.find_all("a"):
        href = str(link.get("href") or "").strip()
        label = link.get_text(" ", strip=True)
        if href.lower().startswith(("http://", "https://", "mailto:")) and href != label:
            link.append(f" <{href}>" if label else href)
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_BLOCK_TAGS):
        block.insert_before("\n")
        block.insert_after("\n")
    for line in soup.find_all(_LINE_TAGS):
        line.insert_before("\n")
    return _tidy(soup.get_text(), squeeze=True)


def _header(msg: Message, name: str) -> str:
    """A header as text; never raises, even where the structured parser would.

    Raw 8-bit headers that are not UTF-8 (old mailers writing Latin-1) come out of the
    structured parser as U+FFFD; the raw value, decoded by ``_clean``, reads better.
    """
    raw = next((str(v) for k, v in msg.raw_items() if k.lower() == name.lower()), "")
    try:
        value = msg.get(name)
        text = "" if value is None else _clean(str(value))
    except Exception:
        return _clean(raw)
    if "\ufffd" in text and any("\udc80" <= ch <= "\udcff" for ch in raw):
        return _clean(raw)
    return text


def _sender(msg: Message, envelope_from: str | None) -> tuple[str, str]:
    for candidate in (_header(msg, "From"), envelope_from or ""):
        for display, address in getaddresses([candidate]):
            address = address.strip().lower()
            if _ADDRESS_RE.match(address) and len(address) <= 320:
                return _one_line(display)[:MAX_NAME], address
    raise MailRejected(
        "no sender address: the message has no usable From header or envelope sender, "
        "so there is nobody to answer"
    )


def _first_id(value: str) -> str | None:
    found = _MSGID_RE.search(value)
    return found.group(0)[:MAX_MESSAGE_ID] if found else None


def _thread_ids(msg: Message) -> list[str]:
    ids = _MSGID_RE.findall(_header(msg, "In-Reply-To"))
    ids += reversed(_MSGID_RE.findall(_header(msg, "References")))
    return list(dict.fromkeys(ids))[:MAX_THREAD_IDS]


def _collect(part: Message, out: _Parts, *, want_text: bool, depth: int) -> None:
    """Walk the MIME tree: text parts become the body, everything else an attachment.

    In a multipart/alternative only the preferred version (plain, else HTML) is read as text;
    the others are still walked for attachments, so an image embedded in the HTML version of
    a message is kept even though its plain version is the one shown.
    """
    ctype = part.get_content_type()
    if part.is_multipart() and depth < MAX_DEPTH and not ctype.startswith("message/"):
        children = [c for c in part.get_payload() if isinstance(c, Message)]
        chosen = _preferred(children) if part.get_content_subtype() == "alternative" else None
        for child in children:
            read = want_text and (chosen is None or child is chosen)
            _collect(child, out, want_text=read, depth=depth + 1)
        return
    if _is_body_text(part):
        if want_text:
            text = _clean(_decode(_payload_bytes(part), _charset(part)))
            out.texts.append(html_to_text(text) if ctype == "text/html" else text)
        return
    out.attachments.append(_attachment(part))


def _preferred(children: list[Message]) -> Message | None:
    for wanted in ("text/plain", "text/html"):
        for child in children:
            if child.get_content_type() == wanted and _is_body_text(child):
                return child
    return children[-1] if children else None


def _is_body_text(part: Message) -> bool:
    if part.get_content_type() not in ("text/plain", "text/html"):
        return False
    return _disposition(part) != "attachment" and not _filename(part)


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    name = PureWindowsPath(PurePosixPath(_clean(str(name))).name).name  # no directories
    return _CONTROL_RE.sub("", _one_line(name))[:255]


def _attachment(part: Message) -> IncomingAttachment:
    ctype = part.get_content_type()
    if part.is_multipart() or ctype.startswith("message/"):
        data = _serialised(part)
        default_name = "message.eml" if ctype == "message/rfc822" else "part.bin"
    else:
        data = _payload_bytes(part)
        default_name = "attachment"
    return IncomingAttachment(
        filename=_filename(part) or default_name,
        content_type=_CONTROL_RE.sub("", ctype)[:127],
        data=data,
    )


def _serialised(part: Message) -> bytes:
    """A forwarded message or over-deep tree kept whole as it arrived."""
    inner = part.get_payload()
    target = inner[0] if isinstance(inner, list) and len(inner) == 1 else part
    if not isinstance(target, Message):
        target = part
    try:
        return target.as_bytes(policy=policy.default.clone(linesep="\r\n"))
    except Exception:
        return str(target.get_payload()).encode("utf-8", "replace")


def _payload_bytes(part: Message) -> bytes:
    """The decoded (base64, quoted-printable) payload; the raw text if decoding fails."""
    try:
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            return data
    except Exception:
        pass
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _decode(data: bytes, charset: str | None) -> str:
    """Bytes in the declared charset; an unknown or wrong one falls back, never fails.

    Undeclared or unknown charsets try UTF-8 first (what nearly all mail is today) and then
    Windows-1252, which maps every byte, so the text is readable rather than lost.
    """
    if charset:
        try:
            if codecs.lookup(charset).name not in _NOT_DECLARED:
                return data.decode(charset, errors="replace")
        except (LookupError, UnicodeError, ValueError, TypeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _unreadable(raw: bytes) -> _Parts:
    """Keep a message whose structure cannot be walked whole, as an attachment."""
    return _Parts(
        texts=[UNREADABLE_BODY],
        attachments=[
            IncomingAttachment(filename="message.eml", content_type="message/rfc822", data=raw)
        ],
    )


def _clean(text: str) -> str:
    """Text that any database accepts: raw 8-bit bytes decoded, no lone surrogates.

    The stdlib keeps undecodable header bytes as surrogate escapes, and a few codecs
    (unicode_escape, utf-7) can produce lone surrogates; neither can be encoded to UTF-8
    for storage, which would turn one odd e-mail into an endless SMTP retry.
    """
    try:
        data = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return _decode(data, None)


def _one_line(value: str) -> str:
    return _SPACES_RE.sub(" ", _CONTROL_RE.sub("", value.replace("\r", " ").replace("\n", " ")))


def _tidy(text: str, *, squeeze: bool = False) -> str:
    """Normalised line ends, no control characters, no runs of blank lines.

    ``squeeze`` also collapses spaces inside lines: right for text pulled out of HTML
    (where source indentation means nothing), wrong for plain text a person laid out.
    """
    text = _CONTROL_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if squeeze:
        lines = [_SPACES_RE.sub(" ", line).strip() for line in text.split("\n")]
    else:
        lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip("\n").rstrip()
