"""Persona rules: recompute personas for the target segments, look them up, let managers edit.

Imported as ``persona_service``. ``recompute`` is called by the segments analysis with the
profiles it already holds; it rewrites only ``derived`` fields, so a manager's ``edits``
survive, and returns which persona each customer belongs to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.config import get_settings
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.fairness.protection import masking
from fairdesk.personas import card
from fairdesk.personas.models import Persona, PersonaStatus
from fairdesk.personas.quotes import representative
from fairdesk.personas.synthesis import MODEL_VERSION, Quote, synthesise
from fairdesk.segments.encoding import Matrix
from fairdesk.segments.models import CustomerScore, Segment
from fairdesk.segments.profiles import Profiles
from fairdesk.tickets.models import Message, MessageKind, Ticket
from fairdesk.triage.models import MessageTriage

Mask = npt.NDArray[np.bool_]
Say = Callable[[str], None]
SPLIT_SILHOUETTE = 0.25  # two groups must be this well separated to get two personas
SPLIT_MIN_SHARE = 0.2  # and the smaller one must hold this share of the segment
MAX_TICKETS = 50_000
MAX_MESSAGES = 20_000
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


@dataclass(frozen=True)
class Target:
    segment: Segment
    member: Mask  # over the rows of the profiles


def _split(z: Matrix | None, member: Mask, minimum: int, seed: int = 0) -> list[Mask]:
    """One mask, or two when the members clearly form two groups of a fair size."""
    rows = np.flatnonzero(member)
    if z is None or rows.size < 2 * minimum:
        return [member]
    sample = rows if rows.size <= 4_000 else np.random.default_rng(seed).choice(
        rows, 4_000, replace=False)
    with threadpool_limits(limits=1):  # see SegmentClusterer: one thread beats two busy ones
        km = KMeans(2, n_init=3, random_state=seed).fit(z[sample])
    if len(set(km.labels_.tolist())) < 2 or \
            silhouette_score(z[sample], km.labels_) < SPLIT_SILHOUETTE:
        return [member]
    d = ((z[rows][:, None, :] - km.cluster_centers_[None, :, :]) ** 2).sum(axis=2)
    label = d.argmin(axis=1)
    smaller = min(int((label == 0).sum()), int((label == 1).sum()))
    if smaller < max(minimum, SPLIT_MIN_SHARE * rows.size):
        return [member]
    parts = []
    for part in (0, 1):
        mask = np.zeros_like(member)
        mask[rows[label == part]] = True
        parts.append(mask)
    return sorted(parts, key=lambda m: -int(m.sum()))


def _material(session: Session) -> tuple[list[tuple[int, str]], list[Quote]]:
    """Recent tickets (customer, topic) and customers' own messages, for every persona.

    One bounded read for all targets, filtered per persona in Python: at most the latest
    ``MAX_TICKETS`` tickets and ``MAX_MESSAGES`` messages, so a busy desk's history never
    floods the run, and a segment's share of them follows how much its customers write.
    """
    tickets = session.execute(
        select(Ticket.customer_id, Ticket.category, Ticket.tags)
        .order_by(Ticket.created_at.desc()).limit(MAX_TICKETS)
    ).all()
    topics = [(cid, category or (tags[0] if tags else "general")) for cid, category, tags
              in tickets]
    # Abuse toward staff is never quoted (rule 6): triage's flag, or a scan if it never ran.
    messages = session.execute(
        select(Message.body, Ticket.customer_id, Ticket.id,
               or_(MessageTriage.abusive, MessageTriage.threat))
        .join(Ticket, Ticket.id == Message.ticket_id)
        .outerjoin(MessageTriage, MessageTriage.message_id == Message.id)
        .where(Message.kind == MessageKind.CUSTOMER)
        .order_by(Message.id.desc()).limit(MAX_MESSAGES)
    ).all()
    return topics, [Quote(body, cid, tid) for body, cid, tid, abusive in messages
                    if masking.quotable(body, abusive=abusive)]


def recompute(session: Session, *, profiles: Profiles, z: Matrix | None,
              targets: list[Target], fit_segment: npt.NDArray[np.int64], now: datetime,
              say: Say = lambda _m: None) -> npt.NDArray[np.int64]:
    """Rewrite the derived fields of every target's personas; the persona id of each row."""
    settings = get_settings()
    minimum = settings.persona_min_members
    money = SYMBOLS.get(settings.currency, settings.currency + " ")
    existing = {(p.segment_id, p.slot): p for p in session.scalars(select(Persona))}
    produced: set[tuple[int, int]] = set()
    persona_of = np.zeros(len(profiles), dtype=np.int64)
    preferred = np.zeros(len(profiles), dtype=np.int64)
    topics, messages = _material(session) if targets else ([], [])
    for target in targets:
        seg = target.segment
        say(f"persona for {seg.name}")
        size = int(target.member.sum())
        for slot, mask in enumerate(_split(z, target.member, minimum)):
            persona = existing.get((seg.id, slot)) or Persona(segment_id=seg.id, slot=slot)
            session.add(persona)
            produced.add((seg.id, slot))
            persona.member_count, persona.computed_at = int(mask.sum()), now
            persona.model_version = MODEL_VERSION
            if size < minimum:
                persona.status, persona.derived = PersonaStatus.TOO_SMALL, {}
                persona.note = (f"{seg.name} has {size} member{'s' * (size != 1)}; a persona "
                                f"needs at least {minimum}, so that it describes a group and "
                                "not one or two people.")
                continue
            ids = set(profiles.customer_id[mask].tolist())
            own_topics = Counter(t for cid, t in topics if cid in ids).most_common(5)
            own = [m for m in messages if m.customer_id in ids]
            quotes = representative(own)
            persona.derived = synthesise(profiles.take(mask), profiles, topics=own_topics,
                                         quotes=quotes, money=money)
            persona.status = PersonaStatus.READY
            persona.note = "" if own else "No quotes yet: none of these customers has " \
                "written a ticket."
            session.flush()
            persona_of = np.where(mask & (persona_of == 0), persona.id, persona_of)
            preferred = np.where(mask & (fit_segment == seg.id), persona.id, preferred)
    for key, persona in existing.items():
        if key in produced:
            continue
        if persona.edits:  # keep what a person wrote; say the data no longer backs it
            persona.status = PersonaStatus.STALE
            persona.note = "The segment is no longer a target, or no longer splits this way."
        else:
            session.delete(persona)
    session.flush()
    return np.where(preferred > 0, preferred, persona_of)


def list_personas(session: Session) -> Sequence[Persona]:
    return session.scalars(select(Persona).order_by(Persona.segment_id, Persona.slot)).all()


def get_persona(session: Session, persona_id: int) -> Persona:
    persona = session.get(Persona, persona_id)
    if persona is None:
        raise NotFound(f"no persona with id {persona_id}", field="persona_id")
    return persona


def edit_persona(session: Session, persona_id: int, *, edits: dict[str, Any],
                 actor: StaffUser | None) -> Persona:
    """Set (or, with None, clear) a person's answer for fields; they win over the data."""
    persona = get_persona(session, persona_id)
    merged = dict(persona.edits or {})
    for key, value in edits.items():
        if key not in card.EDITABLE:
            raise ValidationFailed(f"{key!r} is not a persona field; fields are "
                                   f"{', '.join(card.EDITABLE)}", field=key)
        if value is None or value == "" or value == []:
            merged.pop(key, None)
        elif isinstance(value, str) and len(value) > 2_000:
            raise ValidationFailed(f"{key}: at most 2000 characters", field=key)
        else:
            merged[key] = value
    persona.edits = merged
    persona.edited_at, persona.edited_by_id = utcnow(), actor.id if actor else None
    session.flush()
    audit.record(session, actor=actor, action="persona.edit", entity_type="persona",
                 entity_id=persona.id, details={"fields": sorted(edits)})
    return persona


def persona_for_customer(session: Session, customer_id: int) -> dict[str, Any] | None:
    """The persona the latest run placed the customer in, as a small dict, or None."""
    persona_id = session.scalar(select(CustomerScore.persona_id)
                                .where(CustomerScore.customer_id == customer_id))
    persona = session.get(Persona, persona_id) if persona_id else None
    if persona is None:
        return None
    return {"id": persona.id, "name": card.display_name(persona),
            "portrait": card.value_of(persona, "portrait")[0] or "",
            "segment_id": persona.segment_id}
