"""Customer list search and tag filter: the same results on SQLite (FTS5 trigram prefilter) and
PostgreSQL (pg_trgm indexes) as the plain rule, case-insensitive substring on "first last" and
e-mail, exact external id, tag = a whole element of any tag list; ``%`` and ``_`` are literal."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from fairdesk.customers.models import Customer
from fairdesk.customers.service import CustomerQuery, CustomerSort, list_customers
from tests.factories import make_customer

PEOPLE: tuple[dict[str, object], ...] = (
    {"first_name": "Ada", "last_name": "Lovelace", "email": "ada.lovelace@example.com",
     "external_id": "C-100", "interests": ["Hiking", "books"], "values": ["quality"]},
    {"first_name": "Grace", "last_name": "Hopper", "email": "grace_hopper@navy.example",
     "external_id": "C-101", "interests": ["hiking boots"], "lifestyle": ["travel"]},
    {"first_name": "Alan", "last_name": "Turing", "email": "alan%turing@example.org",
     "external_id": "C-102", "product_lines": ["coffee"], "personality": ["Quiet"]},
    {"first_name": "100%", "last_name": "Pure", "email": None, "external_id": "C-103",
     "values": ["price"]},
    {"first_name": "Back\\slash", "last_name": "O'Neil", "email": "oneil@example.com",
     "external_id": "C-104", "interests": ["wine"]},
    {"first_name": "Linus", "last_name": "Torvalds", "email": "LINUS@Kernel.example",
     "external_id": "lovelace", "interests": []},
)


@pytest.fixture()
def people(session: Session) -> list[Customer]:
    return [make_customer(session, **fields) for fields in PEOPLE]


def _search(session: Session, query: CustomerQuery, limit: int = 100) -> list[int]:
    rows, total = list_customers(session, query=query, limit=limit, offset=0)
    assert total == len(rows) or len(rows) == limit
    return [c.id for c in rows]


def _expected_q(people: Sequence[Customer], q: str) -> set[int]:
    term = q.strip()
    needle = term.lower()
    return {
        c.id for c in people
        if needle in f"{c.first_name} {c.last_name}".lower()
        or needle in (c.email or "").lower()
        or c.external_id == term
    }


def _expected_tag(people: Sequence[Customer], tag: str) -> set[int]:
    wanted = tag.strip().lower()
    return {
        c.id for c in people
        if any(wanted == t.lower() for col in (c.values, c.interests, c.personality,
                                                c.lifestyle, c.product_lines) for t in col)
    }


@pytest.mark.parametrize("q", [
    "lovelace", "LOVE", "ada", "ov", "a", "e.com", "grace hop", "@example", "C-102", "c-102",
    "  hopper  ", "100%", "%", "_", "grace_h", "\\", "back\\sl", "o'neil", "zzzz-nobody", "kernel",
])
def test_search_matches_the_plain_rule(session: Session, people: list[Customer], q: str) -> None:
    assert set(_search(session, CustomerQuery(q=q))) == _expected_q(people, q)


def test_percent_and_underscore_are_literal(session: Session, people: list[Customer]) -> None:
    by_name = {c.id: c.first_name for c in people}
    assert {by_name[i] for i in _search(session, CustomerQuery(q="%"))} == {"100%", "Alan"}
    assert {by_name[i] for i in _search(session, CustomerQuery(q="_"))} == {"Grace"}
    assert _search(session, CustomerQuery(q="a%t")) == []


@pytest.mark.parametrize("tag", ["hiking", "HIKING", "hiking boots", "quiet", "coffee", "hik",
                                 "wine", "%", "_", "nope", "] [", "books\", \"quality"])
def test_tag_is_a_whole_element(session: Session, people: list[Customer], tag: str) -> None:
    assert set(_search(session, CustomerQuery(tag=tag))) == _expected_tag(people, tag)


def test_search_with_tag_and_sort(session: Session, people: list[Customer]) -> None:
    assert _search(session, CustomerQuery(q="a", tag="hiking")) == [people[0].id]
    got = _search(session, CustomerQuery(q="a", sort=CustomerSort.NAME))
    by_name = sorted((c for c in people if c.id in _expected_q(people, "a")),
                     key=lambda c: (c.last_name, c.first_name, c.id))
    assert got == [c.id for c in by_name]


def test_edits_and_deletes_reach_the_index(session: Session, people: list[Customer]) -> None:
    ada, grace = people[0], people[1]
    ada.last_name, ada.interests = "Byron", ["chess"]
    session.delete(grace)
    session.flush()
    assert _search(session, CustomerQuery(q="ada byron")) == [ada.id]
    assert _search(session, CustomerQuery(q="ada lovelace")) == []
    assert _search(session, CustomerQuery(tag="chess")) == [ada.id]
    assert _search(session, CustomerQuery(tag="hiking")) == []
    assert _search(session, CustomerQuery(q="hopper")) == []


def test_pages_and_total(session: Session, people: list[Customer]) -> None:
    query = CustomerQuery(q="e", sort=CustomerSort.NAME)
    everyone = _search(session, query)
    pages = [list_customers(session, query=query, limit=2, offset=o) for o in range(0, 8, 2)]
    assert [c.id for rows, _ in pages for c in rows] == everyone
    assert {total for _, total in pages} == {len(everyone)}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(alphabet="adeiloruvhnpgk%_\\ .@-C10", min_size=1, max_size=6))
def test_any_term_matches_the_plain_rule(session: Session, people: list[Customer],
                                         q: str) -> None:
    assert set(_search(session, CustomerQuery(q=q))) == _expected_q(people, q)
