"""Rule segments: save-time validation with clear errors, and SQL that means what it says."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.errors import ValidationFailed
from fairdesk.segments import rules
from fairdesk.segments.models import CustomerScore
from fairdesk.segments.rules import RuleError, compile_rules, validate
from tests.segments.conftest import NOW


def _leaf(field: str, op: str, value: Any = None) -> dict[str, Any]:
    node: dict[str, Any] = {"field": field, "op": op}
    if value is not None:
        node["value"] = value
    return node


def _tree(*leaves: dict[str, Any], match: str = "all") -> dict[str, Any]:
    return {"match": match, "rules": list(leaves)}


@pytest.mark.parametrize(("tree", "path", "field", "words"), [
    (_tree(_leaf("age", "gte", 30), _leaf("favourite_colour", "eq", "red")), "2",
     "favourite_colour", "unknown field"),
    (_tree(_leaf("age", "gt", "thirty")), "1", "age", "age is a number, but 'thirty' is text"),
    (_tree(_leaf("total_spend", "between", [100, "lots"])), "1", "total_spend", "is text"),
    (_tree(_leaf("country", "eq", 44)), "1", "country", "country is text, but 44 is a number"),
    (_tree(_leaf("values", "has", 3)), "1", "values", "values is a tag, but 3 is a number"),
    (_tree(_leaf("age", "contains", "3")), "1", "age", "does not apply to a number field"),
    (_tree(_leaf("age", "between", [40, 30])), "1", "age", "low is above high"),
    (_tree(_leaf("last_order", "after", "yesterday")), "1", "last_order", "is not a date"),
    (_tree(_leaf("gender", "eq", "robot")), "1", "gender", "is not a gender"),
    (_tree(_leaf("age", "gt", True)), "1", "age", "is yes/no"),
    (_tree(_tree(_leaf("age", "gt", 1), _tree(_leaf("clv", "lt", "x")))), "1.2.1", "clv",
     "is text"),
])
def test_bad_rules_are_rejected_naming_the_rule_and_field(
        tree: dict[str, Any], path: str, field: str, words: str) -> None:
    with pytest.raises(RuleError) as caught:
        validate(tree)
    err = caught.value
    assert isinstance(err, ValidationFailed) and err.status_code == 422
    assert err.path == path and err.field == field
    assert f"rule {path} ({field})" in err.message and words in err.message


@pytest.mark.parametrize("tree", [None, [], {"rules": []}, {"match": "some", "rules": [{}]},
                                  "age > 3"])
def test_malformed_trees_get_an_error_not_a_crash(tree: Any) -> None:
    with pytest.raises(RuleError):
        validate(tree)


def test_numeric_text_from_a_form_is_accepted_and_normalised() -> None:
    tree = validate(_tree(_leaf("age", "between", ["25", " 34 "]), _leaf("clv", "gt", "9.5")))
    assert tree["rules"][0]["value"] == [25, 34] and tree["rules"][1]["value"] == 9.5
    assert validate(tree) == tree
    assert rules.summary(tree) == "age between 25 and 34 and clv gt 9.5"


def _who(session: Session, people: dict[str, int], tree: dict[str, Any]) -> set[str]:
    names = {v: k for k, v in people.items()}
    found = session.scalars(compile_rules(tree, now=NOW)).all()
    return {names[i] for i in found if i in names}


@pytest.mark.parametrize(("tree", "expected"), [
    (_tree(_leaf("age", "between", [25, 36])), {"ada", "eve"}),
    (_tree(_leaf("age", "is_unknown")), {"cat"}),
    (_tree(_leaf("country", "eq", "gb")), {"ada", "dan"}),  # case-insensitive
    (_tree(_leaf("country", "ne", "GB")), {"ben", "eve"}),  # unknown never matches
    (_tree(_leaf("city", "in", ["leeds", "Bristol"])), {"ada", "dan"}),
    (_tree(_leaf("values", "has", "craft")), {"ada"}),
    (_tree(_leaf("values", "has", "café culture")), {"cat"}),
    (_tree(_leaf("tag", "has_any", ["cycling", "remote worker"])), {"ada", "ben"}),
    (_tree(_leaf("values", "has_all", ["craft", "quality"])), {"ada"}),
    (_tree(_leaf("interests", "is_unknown"), _leaf("values", "has_none", ["craft"])),
     {"cat", "dan", "eve"}),
    (_tree(_leaf("order_count", "eq", 0)), {"cat", "dan"}),
    (_tree(_leaf("order_count", "gte", 1), _leaf("total_spend", "lt", 25)), {"ben", "eve"}),
    (_tree(_leaf("avg_order_value", "gt", 40)), {"ada"}),
    (_tree(_leaf("last_order", "within_days", 30)), {"ada", "eve"}),
    (_tree(_leaf("last_order", "not_within_days", 30)), {"ben"}),
    (_tree(_leaf("last_order", "is_unknown")), {"cat", "dan"}),
    (_tree(_leaf("first_order", "before", "2025-06-01")), {"ben"}),
    (_tree(_leaf("clv", "gte", 100)), {"ada"}),
    (_tree(_leaf("clv", "is_unknown"), _leaf("order_count", "gt", 0)), {"eve"}),
    (_tree(_leaf("rfm_segment", "eq", "champions"), _leaf("fit_score", "gt", 90)), {"ada"}),
    (_tree(_leaf("consent_marketing", "is_true")), {"ada"}),
    (_tree(_leaf("income_band", "eq", "40k_70k"), _leaf("clv", "gt", 300), match="any"),
     {"ada", "eve"}),
])
def test_compiled_rules_select_exactly_the_right_customers(
        session: Session, people: dict[str, int], tree: dict[str, Any],
        expected: set[str]) -> None:
    assert _who(session, people, tree) == expected


def test_like_wildcards_in_values_are_literal(session: Session, people: dict[str, int]) -> None:
    assert _who(session, people, _tree(_leaf("city", "contains", "%"))) == set()
    assert _who(session, people, _tree(_leaf("values", "has", "_raft"))) == set()


def test_compiled_query_only_joins_what_it_needs() -> None:
    sql = str(compile_rules(_tree(_leaf("age", "gt", 3)), now=NOW))
    assert "customer_order" not in sql and "customer_value" not in sql
    sql = str(compile_rules(_tree(_leaf("clv", "gt", 3), _leaf("order_count", "gt", 1)),
                            now=NOW))
    assert "customer_order" in sql and "customer_value" in sql
    assert "customer_score" not in sql


def test_rules_only_read(session: Session, people: dict[str, int]) -> None:
    before = session.scalars(select(CustomerScore.customer_id)).all()
    _who(session, people, _tree(_leaf("rfm_segment", "is_known")))
    assert session.scalars(select(CustomerScore.customer_id)).all() == before
