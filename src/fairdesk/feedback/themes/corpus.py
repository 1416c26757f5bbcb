"""Read what customers wrote (survey comments, their own ticket messages) and quote it safely.

A quote is the customer's real words with every abusive span masked by triage (product rule
6: staff never read the insult again), trimmed at a sentence end; it is shown escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.feedback.surveys.models import SurveyAnswer
from fairdesk.feedback.themes.models import SourceKind
from fairdesk.feedback.themes.text import quotable
from fairdesk.personas.quotes import MIN_CHARS
from fairdesk.tickets.models import Message, MessageKind, Ticket
from fairdesk.triage import AbuseDetector, mask

MAX_TEXTS = 500_000  # the newest texts of a very busy desk; older ones stay unthemed
_DIGITS = re.compile(r"\d+")
GIST_CHARS = 60  # two quotes that start alike say the same (a template, a copied message)


@dataclass(frozen=True)
class Text:
    kind: SourceKind
    id: int
    customer_id: int
    ticket_id: int | None
    at: datetime
    body: str


def collect(session: Session, *, limit: int = MAX_TEXTS) -> list[Text]:
    """Every non-empty survey comment and the customer's opening message of every ticket.

    Only the opening message: it states the problem; later ones are mostly "any news?" and
    "thanks, that's great", which would make themes of politeness, not of what went wrong.
    """
    comments = session.execute(
        select(
            SurveyAnswer.id,
            SurveyAnswer.customer_id,
            SurveyAnswer.ticket_id,
            SurveyAnswer.answered_at,
            SurveyAnswer.comment,
        )
        .where(SurveyAnswer.comment != "")
        .order_by(SurveyAnswer.id.desc())
        .limit(limit)
    ).all()
    first = (
        select(func.min(Message.id).label("id"))
        .where(Message.kind == MessageKind.CUSTOMER)
        .group_by(Message.ticket_id)
        .subquery()
    )
    messages = session.execute(
        select(Message.id, Ticket.customer_id, Ticket.id, Message.created_at, Message.body)
        .join(first, first.c.id == Message.id)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .order_by(Message.id.desc())
        .limit(limit)
    ).all()
    texts = [Text(SourceKind.COMMENT, *row) for row in comments]
    texts += [Text(SourceKind.MESSAGE, *row) for row in messages]
    texts = [t for t in texts if t.body and t.body.strip()]
    texts.sort(key=lambda t: (t.at, t.kind, t.id))
    return texts[-limit:]


def bodies(session: Session, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The stored text of each (source kind, id)."""
    wanted = list(keys)
    comment_ids = [i for k, i in wanted if k == SourceKind.COMMENT]
    message_ids = [i for k, i in wanted if k == SourceKind.MESSAGE]
    out: dict[tuple[str, int], str] = {}
    for chunk in _chunks(comment_ids):
        for i, body in session.execute(
            select(SurveyAnswer.id, SurveyAnswer.comment).where(SurveyAnswer.id.in_(chunk))
        ):
            out[(SourceKind.COMMENT, i)] = body
    for chunk in _chunks(message_ids):
        for i, body in session.execute(
            select(Message.id, Message.body).where(Message.id.in_(chunk))
        ):
            out[(SourceKind.MESSAGE, i)] = body
    return out


def _chunks(ids: Sequence[int], size: int = 5_000) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class Quoter:
    """Masks abusive spans, then trims; prefers texts that needed no masking."""

    def __init__(self) -> None:
        self._detector = AbuseDetector()

    def safe(self, text: str) -> tuple[str, bool]:
        """The quotable excerpt and whether anything had to be masked."""
        spans = self._detector.detect(text).spans
        return quotable(mask(text, spans) if spans else text), bool(spans)

    def pick(self, candidates: Sequence[tuple[Text, str]], k: int = 3) -> list[dict[str, Any]]:
        """Up to ``k`` different quotes from different customers, clean ones before masked."""
        clean: list[dict[str, Any]] = []
        masked: list[dict[str, Any]] = []
        seen: set[int] = set()
        said: set[str] = set()
        for text, body in candidates:
            if text.customer_id in seen:
                continue
            excerpt, was_masked = self.safe(body)
            gist = _DIGITS.sub("#", excerpt.lower())[:GIST_CHARS]  # same words, other order
            if len(excerpt) < MIN_CHARS or gist in said:
                continue
            seen.add(text.customer_id)
            said.add(gist)
            quote = {"text": excerpt, "source_kind": str(text.kind), "source_id": text.id}
            (masked if was_masked else clean).append(quote)
            if len(clean) >= k:
                break
        return (clean + masked)[:k]
