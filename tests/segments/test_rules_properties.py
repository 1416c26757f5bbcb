"""Property tests of the rule validator and compiler (hypothesis), on both databases."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.customers.models import Customer
from fairdesk.segments.fields import FIELDS, OPS, FieldType
from fairdesk.segments.rules import NO_VALUE, RuleError, compile_rules, validate
from tests.segments.conftest import NOW

TEXT = st.text(alphabet="abcdefgh _%-é", min_size=1, max_size=12).filter(lambda s: s.strip())
NUMBER = st.one_of(st.integers(-1000, 5000), st.floats(-1e4, 1e4, allow_nan=False))


def _value(field: str, op: str) -> st.SearchStrategy[Any]:
    spec = FIELDS[field]
    if op == "between":
        return st.tuples(NUMBER, NUMBER).map(lambda p: sorted(p))
    if spec.type is FieldType.TEXT and spec.choices:
        word = st.sampled_from([str(c) for c in spec.choices])
        return st.lists(word, min_size=1, max_size=3) if op in ("in", "not_in") else word
    if op in ("in", "not_in", "has_any", "has_all", "has_none"):
        return st.lists(TEXT, min_size=1, max_size=3)
    if spec.type is FieldType.NUMBER:
        return NUMBER
    if spec.type is FieldType.DATE:
        if op in ("within_days", "not_within_days"):
            return st.integers(0, 3000)
        return st.dates().map(lambda d: d.isoformat())
    return TEXT


@st.composite
def leaf(draw: st.DrawFn) -> dict[str, Any]:
    field = draw(st.sampled_from(sorted(FIELDS)))
    op = draw(st.sampled_from(OPS[FIELDS[field].type]))
    node: dict[str, Any] = {"field": field, "op": op}
    if op not in NO_VALUE:
        node["value"] = draw(_value(field, op))
    return node


trees = st.recursive(
    leaf(),
    lambda children: st.builds(lambda m, r: {"match": m, "rules": r},
                               st.sampled_from(["all", "any"]),
                               st.lists(children, min_size=1, max_size=3)),
    max_leaves=6,
).map(lambda t: t if "rules" in t else {"match": "all", "rules": [t]})

DB = settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings(max_examples=200, deadline=None)
@given(trees)
def test_valid_trees_validate_and_normalising_is_idempotent(tree: dict[str, Any]) -> None:
    once = validate(tree)
    assert validate(once) == once


@settings(max_examples=200, deadline=None)
@given(trees, st.text(min_size=1, max_size=20))
def test_an_unknown_field_anywhere_is_named(tree: dict[str, Any], name: str) -> None:
    if name in FIELDS:
        return
    broken = {"match": "all", "rules": [*tree["rules"], {"field": name, "op": "eq", "value": 1}]}
    try:
        validate(broken)
    except RuleError as err:
        assert err.field == name and "unknown field" in err.message
    else:
        raise AssertionError("an unknown field was accepted")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([f for f, s in FIELDS.items() if s.type is FieldType.NUMBER]),
       st.sampled_from(["eq", "lt", "gte"]),
       st.text(alphabet="abcxyz ", min_size=1, max_size=10).filter(lambda s: s.strip()))
def test_text_compared_to_a_number_is_rejected(field: str, op: str, word: str) -> None:
    try:
        validate({"match": "all", "rules": [{"field": field, "op": op, "value": word}]})
    except RuleError as err:
        assert err.field == field and "is a number" in err.message and "is text" in err.message
    else:
        raise AssertionError("text was accepted for a number")


def _ids(session: Session, tree: dict[str, Any]) -> set[int]:
    return set(session.scalars(compile_rules(tree, now=NOW)).all())


@DB
@given(st.lists(trees, min_size=2, max_size=3))
def test_all_is_intersection_and_any_is_union(session: Session, people: dict[str, int],
                                              parts: list[dict[str, Any]]) -> None:
    sets = [_ids(session, p) for p in parts]
    assert _ids(session, {"match": "all", "rules": parts}) == set.intersection(*sets)
    assert _ids(session, {"match": "any", "rules": parts}) == set.union(*sets)


@DB
@given(st.sampled_from([f for f, s in FIELDS.items() if s.type is FieldType.TEXT]), TEXT)
def test_eq_ne_and_unknown_partition_everyone(session: Session, people: dict[str, int],
                                              field: str, word: str) -> None:
    spec = FIELDS[field]
    value = str(spec.choices[0]) if spec.choices else word
    one = {"match": "all", "rules": [{"field": field, "op": "eq", "value": value}]}
    other = {"match": "all", "rules": [{"field": field, "op": "ne", "value": value}]}
    unknown = {"match": "all", "rules": [{"field": field, "op": "is_unknown"}]}
    everyone = set(session.scalars(select(Customer.id)).all())
    a, b, c = _ids(session, one), _ids(session, other), _ids(session, unknown)
    assert a | b | c == everyone and not (a & b) and not (a & c) and not (b & c)
