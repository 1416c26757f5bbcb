"""Personas from target segments: synthesis, quotes from tickets, edits that survive, exports."""

from __future__ import annotations

import re
import zlib
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.demo import DEFAULT_NOW, build_demo
from fairdesk.personas import card, export
from fairdesk.personas import service as persona_service
from fairdesk.personas.models import Persona, PersonaStatus
from fairdesk.personas.quotes import clean, representative
from fairdesk.personas.synthesis import Quote
from fairdesk.segments import service as segment_service
from fairdesk.segments.analysis import run
from fairdesk.segments.models import CustomerScore, Segment, SegmentKind
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel
from tests.segments.conftest import NOW

DEMO = 700


def _target_cluster(session: Session, phrase: str) -> Segment:
    for seg in segment_service.list_segments(session, kind=SegmentKind.CLUSTER):
        if any(phrase in p for p in seg.explanation):
            segment_service.set_target(session, seg.id, target=True, actor=None)
            return seg
    raise AssertionError(f"no cluster explained by {phrase!r}")


@pytest.fixture()
def students(session: Session) -> Segment:
    build_demo(session, customers=DEMO)
    run(session, now=DEFAULT_NOW)
    return _target_cluster(session, "student life")


def test_target_segment_gets_a_persona_that_describes_its_members(
        session: Session, students: Segment) -> None:
    run(session, now=DEFAULT_NOW)
    personas = [p for p in persona_service.list_personas(session)
                if p.segment_id == students.id]
    assert personas and personas[0].status == PersonaStatus.READY
    d = personas[0].derived
    assert d["name"] and d["portrait"].startswith(d["name"])
    low, high = (int(x) for x in d["age_range"].split("–"))
    assert 18 <= low <= high <= 28  # the planted students are 18-28
    assert "student life" in d["lifestyle"]
    assert d["purchase_cadence"] and d["spend"].startswith("about £")
    assert d["ticket_topics"] == ["no tickets yet"] and d["quotes"] == []
    assert "No quotes yet" in personas[0].note
    assert d["values_in_service"] and d["personal_goals"] and d["business_preferences"]
    assert all(f.source == card.FROM_DATA for _, fields in card.view(personas[0])["sections"]
               for f in fields)
    # The customers are linked to it; their insights show it.
    member = session.scalars(select(CustomerScore.customer_id).where(
        CustomerScore.persona_id == personas[0].id)).first()
    assert member is not None
    insight = segment_service.customer_insights(session, member)
    assert insight["persona"]["id"] == personas[0].id and insight["fit_score"] is not None


def test_quotes_come_from_the_members_own_tickets(session: Session, students: Segment) -> None:
    ids = session.scalars(segment_service.members(session, students.id)).all()[:4]
    words = ["The app keeps logging me out when I reorder capsules late at night.",
             "My capsules arrived crushed again, could you send a new box please?",
             "Can I pause the delivery over the summer break? I'm away from campus.",
             "Thanks, the replacement capsules arrived today."]
    for cid, text in zip(ids, words, strict=True):
        receive(session, Incoming(channel=IntakeChannel.WEB, body=text, subject="Help",
                                  customer_id=cid, category="delivery"), now=DEFAULT_NOW)
    run(session, now=DEFAULT_NOW)
    persona = next(p for p in persona_service.list_personas(session)
                   if p.segment_id == students.id)
    quotes = persona.derived["quotes"]
    assert 2 <= len(quotes) <= 3
    assert {q["text"] for q in quotes} <= set(words)
    assert len({q["customer_id"] for q in quotes}) == len(quotes)
    assert persona.derived["ticket_topics"][0].startswith("delivery")


def test_manager_edits_survive_recomputation_and_are_marked(
        session: Session, students: Segment, manager: object) -> None:
    run(session, now=DEFAULT_NOW)
    persona = next(p for p in persona_service.list_personas(session)
                   if p.segment_id == students.id)
    persona_service.edit_persona(session, persona.id, actor=None, edits={
        "name": "Sam the Student", "personal_goals": ["Pass exams", "Save for a bike"]})
    run(session, now=DEFAULT_NOW.replace(hour=5))
    again = session.get(Persona, persona.id)
    assert again is not None and card.display_name(again) == "Sam the Student"
    shown = card.view(again)
    goals = next(f for _, fs in shown["sections"] for f in fs if f.key == "personal_goals")
    assert goals.value == ["Pass exams", "Save for a bike"] and goals.source == card.FROM_PERSON
    assert again.computed_at == DEFAULT_NOW.replace(hour=5)
    # Clearing an edit shows the data again.
    persona_service.edit_persona(session, persona.id, actor=None, edits={"name": None})
    assert card.display_name(again) == again.derived["name"]
    with pytest.raises(Exception, match="not a persona field"):
        persona_service.edit_persona(session, persona.id, actor=None, edits={"shoe": "9"})


def test_segment_too_small_for_a_persona_is_explained(
        session: Session, people: dict[str, int]) -> None:
    seg = segment_service.create_rule_segment(
        session, name="Leeds", actor=None,
        rules={"match": "all", "rules": [{"field": "city", "op": "eq", "value": "Leeds"}]})
    segment_service.set_target(session, seg.id, target=True, actor=None)
    run(session, now=NOW)
    persona = session.scalars(select(Persona).where(Persona.segment_id == seg.id)).one()
    assert persona.status == PersonaStatus.TOO_SMALL and persona.derived == {}
    assert "Leeds has 1 member" in persona.note and "needs at least" in persona.note


def test_exports_are_valid_png_and_pdf_with_the_name(session: Session, students: Segment) -> None:
    run(session, now=DEFAULT_NOW)
    persona = next(p for p in persona_service.list_personas(session)
                   if p.segment_id == students.id)
    persona_service.edit_persona(session, persona.id, actor=None,
                                 edits={"name": "Zoë – night-owl student"})
    shown = card.view(persona)
    png = export.card_png(shown, segment=students.name)
    image = Image.open(BytesIO(png))
    image.verify()
    assert image.format == "PNG" and image.size[0] == export.WIDTH
    assert Image.open(BytesIO(png)).text["Title"] == "Zoë – night-owl student"
    pdf = export.card_pdf(shown, segment=students.name)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = b"".join(zlib.decompress(m) for m in re.findall(rb"stream\r?\n(.*?)endstream",
                                                           pdf, re.S))
    assert "(Zoë - night-owl student) Tj".encode("latin-1") in text


def test_representative_quotes_are_typical_distinct_and_trimmed() -> None:
    msgs = [Quote("My order arrived late again and the beans were stale.", 1, 1),
            Quote("Order arrived late, beans stale, please help.", 2, 2),
            Quote("The order arrived late once more.", 1, 3),
            Quote("I love your podcast about Ethiopian farmers!!!", 3, 4),
            Quote("ok", 4, 5)]
    picked = representative(msgs, k=2)
    assert [q.customer_id for q in picked] == [1, 2] or [q.customer_id for q in picked] == [2, 1]
    long = clean("> quoted earlier mail\nThe beans arrived stale twice. " + "word " * 100)
    assert long == "The beans arrived stale twice." and "quoted" not in long
    assert clean("word " * 100).endswith(" …") and len(clean("word " * 100)) <= 242
    assert representative([], k=3) == []


def test_deleting_a_target_rule_segment_clears_its_fit_and_persona_references(
        session: Session) -> None:
    build_demo(session, customers=DEMO)
    seg = segment_service.create_rule_segment(
        session, name="Home baristas", actor=None,
        rules={"match": "all", "rules": [{"field": "interests", "op": "has",
                                          "value": "espresso"}]})
    segment_service.set_target(session, seg.id, target=True, actor=None)
    run(session, now=DEFAULT_NOW)
    linked = select(CustomerScore).where(CustomerScore.fit_segment_id == seg.id)
    assert session.scalars(linked).first() is not None
    persona_ids = [p.id for p in persona_service.list_personas(session)]
    assert persona_ids
    segment_service.delete_segment(session, seg.id, actor=None)
    session.expire_all()
    assert session.scalars(linked).first() is None
    assert session.scalars(select(CustomerScore).where(
        CustomerScore.persona_id.in_(persona_ids))).first() is None
    assert persona_service.list_personas(session) == []
