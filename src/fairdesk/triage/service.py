"""Triage stored with each customer message, masking for staff, and the topic model retrain.

The intake path calls :func:`triage_message` once per stored customer message. The message
body is never altered (rule 1: nothing is dropped or rewritten); abusive spans are stored and
masked when shown, and revealing them is written to the audit log.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.config import get_settings
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.tickets.models import Message, MessageKind, Ticket, TicketStatus
from fairdesk.triage.abuse import ABUSE_EVIDENCE, mask, snippet
from fairdesk.triage.cases import similar_cases
from fairdesk.triage.models import MessageTriage, TicketTriage
from fairdesk.triage.result import Evidence, TriageResult
from fairdesk.triage.topic import TopicModel
from fairdesk.triage.triager import Triager, default_triager

RESOLVED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
_lock = threading.Lock()
_loaded: dict[str, tuple[float, Triager]] = {}


def local_model_path() -> Path:
    """Where ``fairdesk triage train`` keeps the business's own topic model."""
    return get_settings().data_dir / "triage" / "topic_model.json"


def active_triager() -> Triager:
    """The business's retrained topic model when there is one, else the shipped starter.

    Reloaded when the file changes, so a retrain takes effect without a restart.
    """
    path = local_model_path()
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return default_triager()
    with _lock:
        cached = _loaded.get(str(path))
        if cached is None or cached[0] != mtime:
            cached = (mtime, Triager(topic_model=TopicModel.load(path)))
            _loaded[str(path)] = cached
        return cached[1]


def _customer_message(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(f"no message with id {message_id}", field="message_id")
    if message.kind != MessageKind.CUSTOMER:
        raise ValidationFailed("only customer messages are triaged", field="message_id")
    return message


def triage_message(
    session: Session, message_id: int, *, triager: Triager | None = None
) -> MessageTriage:
    """Analyse one customer message, store the result (replacing an older one), update
    the ticket's summary. Safe to run twice."""
    message = _customer_message(session, message_id)
    result = (triager or active_triager()).analyze(message.body)
    row = session.get(MessageTriage, message_id) or MessageTriage(
        message_id=message_id, ticket_id=message.ticket_id
    )
    _fill(row, result)
    session.add(row)
    session.flush()
    refresh_ticket(session, message.ticket_id)
    return row


def triage_first_message(
    session: Session, message: Message, *, triager: Triager | None = None
) -> MessageTriage:
    """Triage the first message of a ticket created in this transaction, without reading.

    The intake path's version of :func:`triage_message`: a new ticket has no older triage
    and no summary, so both rows are simply added (the caller's next flush inserts them,
    alongside its other rows) and the summary is this one message's.
    """
    result = (triager or active_triager()).analyze(message.body)
    row = MessageTriage(message_id=message.id, ticket_id=message.ticket_id)
    _fill(row, result)
    summary = TicketTriage(ticket_id=message.ticket_id)
    _summarise(summary, [row])
    summary.preview = preview_of(message.body, row)
    session.add_all([row, summary])
    return row


def _fill(row: MessageTriage, result: TriageResult) -> None:
    row.sentiment = result.sentiment.sentiment
    row.anger = result.sentiment.anger
    row.anger_level = str(result.sentiment.anger_level)
    row.urgency = result.urgency.score
    row.urgency_level = str(result.urgency.level)
    row.urgency_reasons = list(result.urgency.reasons)
    row.topic = result.topic.topic
    row.topic_confidence = result.topic.confidence
    row.tone = str(result.tone)
    row.abusive = result.abuse.abusive
    row.threat = result.abuse.threat
    row.abuse_kinds = list(result.abuse.kinds)
    row.spans = [[start, end] for start, end in result.abuse.spans]
    row.detail = result.to_dict()
    row.model_version = result.model_version
    row.created_at = utcnow()


def refresh_ticket(session: Session, ticket_id: int) -> TicketTriage | None:
    """Recompute the ticket's inbox summary from its triaged messages."""
    rows = session.scalars(
        select(MessageTriage)
        .where(MessageTriage.ticket_id == ticket_id)
        .order_by(MessageTriage.message_id)
    ).all()
    summary = session.get(TicketTriage, ticket_id)
    if not rows:
        if summary is not None:
            session.delete(summary)
        return None
    if summary is None:
        summary = TicketTriage(ticket_id=ticket_id)
        session.add(summary)
    _summarise(summary, rows)
    latest = session.get(Message, rows[-1].message_id)  # in the session already at intake
    summary.preview = preview_of(latest.body, rows[-1]) if latest is not None else None
    session.flush()
    return summary


def _summarise(summary: TicketTriage, rows: Sequence[MessageTriage]) -> None:
    """The inbox summary of a ticket from its triaged messages, oldest first."""
    top = max(rows, key=lambda r: r.urgency)
    summary.urgency = top.urgency
    summary.urgency_level = top.urgency_level
    summary.sentiment = rows[-1].sentiment
    summary.anger = rows[-1].anger
    summary.topic = rows[0].topic
    summary.abusive = any(r.abusive for r in rows)
    summary.threat = any(r.threat for r in rows)
    summary.messages = len(rows)


def get_message_triage(session: Session, message_id: int) -> MessageTriage:
    """The stored triage of a customer message, triaging it first if it never was."""
    row = session.get(MessageTriage, message_id)
    return row if row is not None else triage_message(session, message_id)


def preview_of(body: str, row: MessageTriage) -> str:
    """The inbox's preview of a triaged message: masked as staff see it, on one line.

    Stored in the ticket's summary when the message is triaged, so an inbox page reads 50
    short strings instead of loading and masking 50 messages.
    """
    return snippet(masked_body(body, row))


def masked_body(body: str, row: MessageTriage | None) -> str:
    """The message as an agent first sees it: abusive spans hidden, the rest untouched."""
    if row is None or not row.spans:
        return body
    return mask(body, [(int(s), int(e)) for s, e in row.spans])


def staff_safe_detail(row: MessageTriage) -> dict[str, object]:
    """The stored detail with the abusive words themselves hidden, for the default view."""
    detail = dict(row.detail)
    abuse = dict(detail.get("abuse") or {})
    abuse["evidence"] = [
        {**ev, "text": mask(ev["text"], [(0, len(ev["text"]))])}
        if ev.get("kind") in ABUSE_EVIDENCE
        else ev
        for ev in abuse.get("evidence", [])
    ]
    detail["abuse"] = abuse
    return detail


def reveal(session: Session, message_id: int, *, actor: StaffUser, via: str = "api") -> str:
    """The unmasked message for a member of staff who chose to see it; audited as
    ``message.reveal`` (who, which message, through which view)."""
    message = _customer_message(session, message_id)
    row = session.get(MessageTriage, message_id)
    audit.record(
        session,
        actor=actor,
        action="message.reveal",
        entity_type="ticket_message",
        entity_id=message_id,
        details={
            "ticket_id": message.ticket_id,
            "via": via,
            "masked_spans": row.spans if row else [],
        },
    )
    session.flush()
    return message.body


def abuse_evidence(row: MessageTriage) -> list[Evidence]:
    """The abuse findings of a stored triage, for the fairness review (rule 6)."""
    found = (row.detail.get("abuse") or {}).get("evidence", [])
    return [Evidence(**ev) for ev in found if ev.get("kind") in ABUSE_EVIDENCE]


@dataclass(frozen=True)
class TrainOutcome:
    version: str
    path: Path
    examples: dict[str, int]  # per topic, the ones trained on
    skipped: dict[str, int]  # topics with too few examples
    holdout_accuracy: float  # on a random fifth kept out, before the final fit on everything


def train_topic_model(
    session: Session, *, min_examples: int = 5, seed: int = 0, path: Path | None = None
) -> TrainOutcome:
    """Retrain the topic model on the business's own resolved tickets and their category.

    Each resolved or closed ticket with a category gives one example (subject and first
    customer message). Categories with fewer than ``min_examples`` tickets are left out.
    """
    first_message = (
        select(Message.ticket_id, func.min(Message.id).label("message_id"))
        .where(Message.kind == MessageKind.CUSTOMER)
        .group_by(Message.ticket_id)
        .subquery()
    )
    rows = session.execute(
        select(Ticket.category, Ticket.subject, Message.body)
        .join(first_message, first_message.c.ticket_id == Ticket.id)
        .join(Message, Message.id == first_message.c.message_id)
        .where(Ticket.status.in_(RESOLVED), Ticket.category.is_not(None))
        .order_by(Ticket.id)
    ).all()
    counts = Counter(str(r.category) for r in rows)
    kept = {c: n for c, n in counts.items() if n >= min_examples}
    if len(kept) < 2:
        raise ValidationFailed(
            f"need at least two categories with {min_examples}+ resolved tickets; "
            f"found {dict(counts) or 'none'}",
            field="category",
        )
    examples = [(f"{r.subject}\n{r.body}", str(r.category)) for r in rows if r.category in kept]
    shuffled = examples[:]
    random.Random(seed).shuffle(shuffled)
    cut = max(1, len(shuffled) // 5)
    held, train = shuffled[:cut], shuffled[cut:]
    accuracy = 0.0
    if len({label for _, label in train}) >= 2:
        trial = TopicModel().fit([t for t, _ in train], [y for _, y in train])
        accuracy = trial.score([t for t, _ in held], [y for _, y in held])
    version = f"local-{utcnow():%Y%m%dT%H%M%SZ}-{len(examples)}"
    model = TopicModel(version=version).fit([t for t, _ in examples], [y for _, y in examples])
    target = path or local_model_path()
    model.save(target)
    return TrainOutcome(
        version=version,
        path=target,
        examples=kept,
        skipped={c: n for c, n in counts.items() if c not in kept},
        holdout_accuracy=round(accuracy, 4),
    )


__all__ = [
    "active_triager",
    "get_message_triage",
    "masked_body",
    "refresh_ticket",
    "reveal",
    "similar_cases",
    "train_topic_model",
    "triage_first_message",
    "triage_message",
]
