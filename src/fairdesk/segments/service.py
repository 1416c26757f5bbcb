"""Segment rules for the rest of fairdesk: who is in a segment, which segments a customer is in,
their fit score, and a manager's rule segments and targets.

Imported as ``segment_service``. Membership means the same for every kind of segment:
``members`` returns a ``SELECT customer_id`` - the stored membership of a computed segment
(each customer's ``customer_score`` row from the latest run), or the live compiled rules of a
rule segment - so callers can count it, page it, or use it in ``Customer.id.in_(...)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, exists, func, select, update
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.errors import Conflict, NotFound, ValidationFailed
from fairdesk.personas import service as persona_service
from fairdesk.personas.models import Persona
from fairdesk.segments import rules as rule_lang
from fairdesk.segments.models import (
    CustomerScore,
    Segment,
    SegmentKind,
    SegmentRun,
)
from fairdesk.segments.rfm import LABELS, RfmSegment

MAX_NAME = 120


def get_segment(session: Session, segment_id: int) -> Segment:
    segment = session.get(Segment, segment_id)
    if segment is None:
        raise NotFound(f"no segment with id {segment_id}", field="segment_id")
    return segment


def get_by_key(session: Session, key: str) -> Segment | None:
    """A segment by its stable key ("rfm:champions", "cluster:3", "rule:12"), e.g. as an SLA
    policy names it."""
    return session.scalar(select(Segment).where(Segment.key == key))


def list_segments(session: Session, *, kind: SegmentKind | None = None,
                  include_retired: bool = False, targets_only: bool = False) -> Sequence[Segment]:
    query = select(Segment).order_by(Segment.kind, Segment.name, Segment.id)
    if kind is not None:
        query = query.where(Segment.kind == kind)
    if not include_retired:
        query = query.where(Segment.retired.is_(False))
    if targets_only:
        query = query.where(Segment.is_target.is_(True))
    return session.scalars(query).all()


def members(session: Session, segment_id: int, *, now: datetime | None = None
            ) -> Select[int]:
    """``SELECT customer_id`` of the segment's members (live for rule segments)."""
    segment = get_segment(session, segment_id)
    if segment.kind == SegmentKind.RULE:
        return rule_lang.compile_rules(segment.rules, now=now or utcnow())
    if segment.kind == SegmentKind.RFM:
        code = segment.key.removeprefix("rfm:")
        return select(CustomerScore.customer_id).where(CustomerScore.rfm_segment == code)
    return select(CustomerScore.customer_id).where(
        CustomerScore.cluster_segment_id == segment_id)


def count_members(session: Session, segment_id: int) -> int:
    return session.scalar(select(func.count()).select_from(
        members(session, segment_id).subquery())) or 0


def is_member(session: Session, segment_id: int, customer_id: int) -> bool:
    ids = members(session, segment_id).subquery()
    return bool(session.scalar(select(exists().where(ids.c[0] == customer_id))))


def segments_of(session: Session, customer_id: int) -> list[Segment]:
    """Every segment the customer belongs to now: stored memberships and live rule matches."""
    score = session.get(CustomerScore, customer_id)
    stored: list[Segment] = []
    if score is not None:
        stored = list(session.scalars(
            select(Segment).where(
                (Segment.key == f"rfm:{score.rfm_segment}")
                | (Segment.id == (score.cluster_segment_id or -1)),
                Segment.retired.is_(False))
            .order_by(Segment.kind, Segment.name)))
    live = [s for s in list_segments(session, kind=SegmentKind.RULE)
            if is_member(session, s.id, customer_id)]
    return [*stored, *live]


def score_of(session: Session, customer_id: int) -> CustomerScore | None:
    return session.get(CustomerScore, customer_id)


def fit_score_of(session: Session, customer_id: int) -> float | None:
    """Ideal-customer fit, 0-100, from the latest run; None before any target is chosen."""
    score = session.get(CustomerScore, customer_id)
    return None if score is None else score.fit_score


def rfm_label(code: str) -> tuple[str, str]:
    """Display name and description of a stored RFM segment code."""
    return LABELS[RfmSegment(code)]


def latest_run(session: Session) -> SegmentRun | None:
    return session.scalar(select(SegmentRun).order_by(SegmentRun.id.desc()).limit(1))


def preview_count(session: Session, rules: Any, *, now: datetime | None = None) -> int:
    """How many customers the rules match right now (validates them first)."""
    query = rule_lang.compile_rules(rules, now=now or utcnow())
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _clean_name(name: str) -> str:
    text = " ".join(name.split())
    if not text or len(text) > MAX_NAME:
        raise ValidationFailed(f"name: 1 to {MAX_NAME} characters", field="name")
    return text


def _unique_name(session: Session, name: str, exclude: int | None = None) -> None:
    query = select(Segment.id).where(func.lower(Segment.name) == name.lower(),
                                     Segment.retired.is_(False))
    if exclude is not None:
        query = query.where(Segment.id != exclude)
    if session.scalar(query) is not None:
        raise Conflict(f"a segment named {name!r} already exists", field="name")


def create_rule_segment(session: Session, *, name: str, rules: Any, actor: StaffUser | None,
                        description: str = "") -> Segment:
    """Validate the rules (clear error naming rule and field) and save the segment."""
    clean = _clean_name(name)
    _unique_name(session, clean)
    tree = rule_lang.validate(rules)
    segment = Segment(key=f"rule:pending:{utcnow().timestamp()}", kind=SegmentKind.RULE,
                      name=clean, name_edited=True, description=description.strip(),
                      rules=tree, created_by_id=actor.id if actor else None,
                      explanation=[rule_lang.summary(tree)])
    session.add(segment)
    session.flush()
    segment.key = f"rule:{segment.id}"
    segment.size = count_members(session, segment.id)
    segment.computed_at = utcnow()
    session.flush()
    audit.record(session, actor=actor, action="segment.create", entity_type="segment",
                 entity_id=segment.id, details={"name": clean, "rules": tree})
    return segment


def update_segment(session: Session, segment_id: int, *, actor: StaffUser | None,
                   name: str | None = None, description: str | None = None,
                   rules: Any = None) -> Segment:
    """Rename any segment (kept across recomputation); change a rule segment's rules."""
    segment = get_segment(session, segment_id)
    # Check everything before changing anything: a rejected edit leaves the segment as it was.
    clean = _clean_name(name) if name is not None else None
    if clean is not None:
        _unique_name(session, clean, exclude=segment.id)
    tree = None
    if rules is not None:
        if segment.kind != SegmentKind.RULE:
            raise ValidationFailed("only rule segments have rules; RFM and cluster segments "
                                   "are computed", field="rules")
        tree = rule_lang.validate(rules)
    changes: dict[str, Any] = {}
    if clean is not None and clean != segment.name:
        segment.name, segment.name_edited = clean, True
        changes["name"] = clean
    if description is not None:
        segment.description = description.strip()
        changes["description"] = segment.description
    if tree is not None:
        segment.rules = tree
        segment.explanation = [rule_lang.summary(tree)]
        session.flush()
        segment.size = count_members(session, segment.id)
        segment.computed_at = utcnow()
        changes["rules"] = tree
    session.flush()
    audit.record(session, actor=actor, action="segment.update", entity_type="segment",
                 entity_id=segment.id, details=changes)
    return segment


def delete_segment(session: Session, segment_id: int, *, actor: StaffUser | None) -> None:
    segment = get_segment(session, segment_id)
    if segment.kind != SegmentKind.RULE:
        raise ValidationFailed("RFM and cluster segments are computed; only rule segments "
                               "can be deleted", field="segment_id")
    # Scores name segments and personas without foreign keys (see CustomerScore): clear them.
    personas = select(Persona.id).where(Persona.segment_id == segment_id)
    session.execute(update(CustomerScore).where(CustomerScore.fit_segment_id == segment_id)
                    .values(fit_segment_id=None, fit_score=None))
    session.execute(update(CustomerScore).where(CustomerScore.persona_id.in_(personas))
                    .values(persona_id=None))
    session.execute(delete(Segment).where(Segment.id == segment_id))
    audit.record(session, actor=actor, action="segment.delete", entity_type="segment",
                 entity_id=segment_id, details={"name": segment.name})


def set_target(session: Session, segment_id: int, *, target: bool,
               actor: StaffUser | None) -> Segment:
    """Mark a segment as (not) a target; fit scores and personas follow at the next analyze."""
    segment = get_segment(session, segment_id)
    if segment.retired and target:
        raise ValidationFailed("a retired cluster has no members to target", field="segment_id")
    segment.is_target = target
    session.flush()
    audit.record(session, actor=actor, action="segment.target" if target else "segment.untarget",
                 entity_type="segment", entity_id=segment.id, details={"name": segment.name})
    return segment


def customer_insights(session: Session, customer_id: int) -> dict[str, Any]:
    """What the customer page and ticket sidebar show: segments, RFM, persona and fit."""
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer with id {customer_id}", field="customer_id")
    score = session.get(CustomerScore, customer_id)
    segments = segments_of(session, customer_id)
    persona = persona_service.persona_for_customer(session, customer_id)
    rfm: dict[str, Any] | None = None
    if score is not None:
        name, description = rfm_label(score.rfm_segment)
        rfm = {"code": score.rfm_segment, "name": name, "description": description,
               "r": score.r_score, "f": score.f_score, "m": score.m_score}
    fit_segment = session.get(Segment, score.fit_segment_id) if score and \
        score.fit_segment_id else None
    return {
        "customer_id": customer_id,
        "computed_at": score.computed_at if score else None,
        "segments": [{"id": s.id, "name": s.name, "kind": str(s.kind), "is_target": s.is_target}
                     for s in segments],
        "rfm": rfm,
        "fit_score": score.fit_score if score else None,
        "fit_segment": {"id": fit_segment.id, "name": fit_segment.name} if fit_segment else None,
        "persona": persona,
    }
