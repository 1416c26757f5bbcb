"""What staff see of customer text: abusive spans masked, the original kept untouched.

Every staff view (ticket thread, inbox preview, customer page, similar cases, API reads,
staff e-mails) goes through these helpers, so "masked by default" is one rule in one place.
Message bodies use the spans triage stored at intake; a message triage never saw (an import,
an old row) is scanned now, so nothing slips through unmasked. Subjects are customer text
too but are never triaged on their own, so they are scanned when shown (a literal gate makes
a clean subject cost a substring test; results are cached).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.errors import NotFound
from fairdesk.tickets.models import Message, MessageKind
from fairdesk.triage import service as triage_service
from fairdesk.triage.abuse import mask
from fairdesk.triage.models import MessageTriage
from fairdesk.triage.triager import default_triager


@dataclass(frozen=True)
class Shown:
    """A customer message as staff see it by default."""

    text: str
    masked: bool  # some words are hidden; a reveal would show them
    abusive: bool
    threat: bool
    kinds: tuple[str, ...]  # insult, slur, harassment, threat, …
    revealed: bool = False  # the original, shown after an audited reveal


PLAIN = Shown(text="", masked=False, abusive=False, threat=False, kinds=())


def _scan(text: str) -> tuple[list[tuple[int, int]], bool, bool, tuple[str, ...]]:
    found = default_triager().abuse.detect(text)
    return list(found.spans), found.abusive, found.threat, found.kinds


@lru_cache(maxsize=8192)
def masked_subject(subject: str) -> str:
    """A ticket subject with abusive words hidden (subjects are never stored masked)."""
    spans, *_ = _scan(subject)
    return mask(subject, spans) if spans else subject


def _shown(body: str, row: MessageTriage | None) -> Shown:
    if row is None:
        spans, abusive, threat, kinds = _scan(body)
        text = mask(body, spans) if spans else body
        return Shown(text, bool(spans), abusive, threat, kinds)
    return Shown(
        text=triage_service.masked_body(body, row),
        masked=bool(row.spans),
        abusive=row.abusive,
        threat=row.threat,
        kinds=tuple(row.abuse_kinds),
    )


def shown_messages(
    session: Session, messages: Iterable[Message], *, revealed: int | None = None
) -> dict[int, Shown]:
    """Customer messages as staff see them (one query for their triage), by message id.

    ``revealed`` is the one message whose original the caller has just revealed (audited by
    :func:`reveal`); staff replies, notes and events are staff text and are not in the map.
    """
    customer = [m for m in messages if m.kind == MessageKind.CUSTOMER]
    if not customer:
        return {}
    rows = {
        r.message_id: r
        for r in session.scalars(
            select(MessageTriage).where(MessageTriage.message_id.in_([m.id for m in customer]))
        )
    }
    out: dict[int, Shown] = {}
    for m in customer:
        shown = _shown(m.body, rows.get(m.id))
        if m.id == revealed:
            shown = Shown(m.body, False, shown.abusive, shown.threat, shown.kinds, revealed=True)
        out[m.id] = shown
    return out


def reveal(
    session: Session,
    *,
    message_id: int,
    actor: StaffUser,
    ticket_id: int | None = None,
    via: str,
) -> Message:
    """The original message for a member of staff who asked for it; audited.

    A message that does not exist, or is not on the ticket named, is a 404 naming the field;
    a staff reply or note has nothing masked and is refused by triage (422).
    """
    message = session.get(Message, message_id)
    if message is None or (ticket_id is not None and message.ticket_id != ticket_id):
        where = f" on ticket {ticket_id}" if ticket_id is not None else ""
        raise NotFound(f"no message with id {message_id}{where}", field="message_id")
    triage_service.reveal(session, message_id, actor=actor, via=via)
    return message


def for_api(
    session: Session, messages: Iterable[Message], *, actor: StaffUser, reveal: bool
) -> list[tuple[Message, str, bool]]:
    """Each message with the text an API read returns and whether words are hidden in it.

    Masked by default; ``reveal`` returns the originals of the masked ones, each reveal
    audited like a click on the page (``message.reveal``, via "api").
    """
    messages = list(messages)
    shown = shown_messages(session, messages)
    out: list[tuple[Message, str, bool]] = []
    for m in messages:
        seen = shown.get(m.id)
        if seen is None or not seen.masked:
            out.append((m, seen.text if seen else m.body, False))
        elif reveal:
            triage_service.reveal(session, m.id, actor=actor, via="api")
            out.append((m, m.body, False))
        else:
            out.append((m, seen.text, True))
    return out


def quotable(text: str, *, abusive: bool | None) -> bool:
    """May this customer message be quoted (persona cards)? Never one with abuse toward
    staff: ``abusive`` is triage's stored flag, or None when it never ran (scanned now)."""
    if abusive is None:
        return not _scan(text)[1]
    return not abusive
