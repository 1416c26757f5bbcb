"""Canned replies: placeholders checked when saved, filled safely for one ticket."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.errors import Conflict, NotFound, ValidationFailed
from fairdesk.tickets import canned
from fairdesk.tickets.models import CannedReply, Message, MessageKind
from tests.factories import make_customer, make_order
from tests.web.ticket_helpers import new_ticket

VALUES = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "full_name": "Ada Lovelace",
    "ticket_reference": "FD-ABCDEFGH",
    "ticket_subject": "Kettle",
    "order_number": "O-17",
    "agent_name": "Sam",
    "business_name": "Shop",
}


def test_render_fills_every_placeholder() -> None:
    body = "Hi {first_name} {last_name}, re {ticket_reference} / order {order_number}. {agent_name}"
    out = canned.render(body, VALUES)
    assert out.text == "Hi Ada Lovelace, re FD-ABCDEFGH / order O-17. Sam"
    assert out.missing == []


def test_a_missing_value_is_a_visible_gap_and_reported() -> None:
    out = canned.render(
        "Order {order_number} for {first_name}; again {order_number}",
        {**VALUES, "order_number": None},
    )
    assert out.text == "Order [order number] for Ada; again [order number]"
    assert out.missing == ["order_number"]


def test_literal_braces_and_values_with_braces_stay_literal() -> None:
    out = canned.render(
        "{{not a placeholder}} {first_name}", {**VALUES, "first_name": "{agent_name.__class__}"}
    )
    assert out.text == "{not a placeholder} {agent_name.__class__}"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("Hi {firstname}", "unknown placeholder {firstname}"),
        ("Hi {first_name.__class__}", "unknown placeholder {first_name.__class__}"),
        ("Hi {first_name[0]}", "unknown placeholder {first_name[0]}"),
        ("Hi {0}", "unknown placeholder {0}"),
        ("Hi {}", "unknown placeholder {}"),
        ("Hi {first_name!r}", "takes no format or conversion"),
        ("Hi {first_name:>30}", "takes no format or conversion"),
        ("Hi {first_name", "literal brace"),
        ("Hi first_name}", "literal brace"),
    ],
)
def test_bad_templates_are_refused_at_save(
    session: Session, agent: StaffUser, body: str, says: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        canned.create_canned(session, title="Bad", body=body, actor=agent)
    assert exc.value.field == "body" and says in exc.value.message
    assert session.scalar(select(CannedReply).where(CannedReply.title == "Bad")) is None


@given(st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=200))
def test_text_without_braces_renders_unchanged(text: str) -> None:
    assert canned.render(text, VALUES).text == text


@given(
    names=st.lists(st.sampled_from(sorted(canned.PLACEHOLDERS)), max_size=6),
    filler=st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=20),
    values=st.dictionaries(
        st.sampled_from(sorted(canned.PLACEHOLDERS)), st.one_of(st.none(), st.text(max_size=20))
    ),
)
def test_any_valid_template_renders_with_any_values(
    names: list[str], filler: str, values: dict[str, str | None]
) -> None:
    body = filler.join("{" + n + "}" for n in names)
    out = canned.render(body, values)
    assert set(out.missing) == {n for n in names if not values.get(n)}
    for n in names:
        assert (values.get(n) or f"[{canned.PLACEHOLDERS[n]}]") in out.text


def test_crud_is_validated_and_audited(session: Session, agent: StaffUser) -> None:
    row = canned.create_canned(
        session, title="  Delay  ", body="Sorry {first_name}", category="shipping", actor=agent
    )
    assert (row.title, row.category) == ("Delay", "shipping")
    with pytest.raises(Conflict):
        canned.create_canned(session, title="Delay", body="x", actor=agent)
    other = canned.create_canned(session, title="Refund", body="Refunded", actor=agent)
    with pytest.raises(Conflict):
        canned.update_canned(session, canned_id=other.id, title="Delay", body="x", actor=agent)
    with pytest.raises(ValidationFailed) as exc:
        canned.update_canned(session, canned_id=row.id, title="", body="x", actor=agent)
    assert exc.value.field == "title"
    canned.update_canned(
        session, canned_id=row.id, title="Delay", body="Sorry {full_name}", actor=agent
    )
    assert [r.title for r in canned.list_canned(session)] == ["Delay", "Refund"]
    canned.delete_canned(session, canned_id=row.id, actor=agent)
    with pytest.raises(NotFound):
        canned.get_canned(session, row.id)
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_type == "canned_reply", AuditEntry.actor_id == agent.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["canned.create", "canned.create", "canned.update", "canned.delete"]


def test_values_for_a_ticket(session: Session, agent: StaffUser) -> None:
    customer = make_customer(session, first_name="Grace", last_name="Hopper")
    order = make_order(session, customer, external_id="ORD-99")
    ticket = new_ticket(session, customer, order_id=order.id)
    values = canned.values_for(session, ticket, agent=agent, business_name="Shop")
    assert values == {
        "first_name": "Grace",
        "last_name": "Hopper",
        "full_name": "Grace Hopper",
        "ticket_reference": ticket.reference,
        "ticket_subject": ticket.subject,
        "order_number": "ORD-99",
        "agent_name": agent.name,
        "business_name": "Shop",
    }


def test_order_number_falls_back_to_what_the_customer_typed(
    session: Session, agent: StaffUser
) -> None:
    ticket = new_ticket(session, make_customer(session, first_name=""))
    values = canned.values_for(session, ticket, agent=agent, business_name="S")
    assert values["order_number"] is None
    msg = session.scalar(
        select(Message).where(Message.ticket_id == ticket.id, Message.kind == MessageKind.CUSTOMER)
    )
    assert msg is not None
    msg.meta = {"order_number": "typed-123"}
    session.flush()
    values = canned.values_for(session, ticket, agent=agent, business_name="S")
    assert values["order_number"] == "typed-123" and values["first_name"] is None
