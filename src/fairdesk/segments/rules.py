"""Rule segments: validate a manager's filter at save time and compile it to SQL.

A rule tree is JSON::

    {"match": "all", "rules": [
        {"field": "age", "op": "between", "value": [25, 34]},
        {"field": "values", "op": "has_any", "value": ["craft", "quality"]},
        {"match": "any", "rules": [{"field": "clv", "op": "gte", "value": 200},
                                   {"field": "rfm_segment", "op": "eq", "value": "champions"}]}]}

``validate`` returns the normalised tree or raises ``RuleError`` naming the rule (1-based
path, "rule 3.1") and its field - an unknown field, an operator the field's type lacks, or a
value of the wrong type ("age is a number, but 'thirty' is text"). ``compile_rules`` turns a
valid tree into ``SELECT customer.id …`` with only the joins the rules need, the same on
SQLite and PostgreSQL. Text comparisons ignore case; a comparison never matches an unknown
value - ``is_unknown`` asks for those explicitly.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, and_, cast, false, func, not_, or_, select, true
from sqlalchemy.sql import ColumnElement

from fairdesk.clv.models import CustomerValue
from fairdesk.customers.models import Customer
from fairdesk.errors import ValidationFailed
from fairdesk.segments.fields import (
    FIELDS,
    OPS,
    Context,
    FieldSpec,
    FieldType,
    Join,
    order_aggregate,
)
from fairdesk.segments.models import CustomerScore

MAX_DEPTH = 4
MAX_RULES = 60
MAX_LIST = 100
NO_VALUE = ("is_unknown", "is_known", "is_true", "is_false")
LIST_OPS = ("in", "not_in", "has_any", "has_all", "has_none")


class RuleError(ValidationFailed):
    def __init__(self, path: str, field: str | None, message: str) -> None:
        where = f"rule {path}" + (f" ({field})" if field else "")
        super().__init__(f"{where}: {message}", field=field or "rules",
                         details={"rule": path, "field": field})
        self.path = path


def validate(tree: Any) -> dict[str, Any]:
    """The normalised rule tree; raises ``RuleError`` on the first problem found."""
    counter = [0]
    return _group(tree, "", 1, counter)


def _group(node: Any, path: str, depth: int, counter: list[int]) -> dict[str, Any]:
    where = path or "group"
    if not isinstance(node, dict):
        raise RuleError(where, None, "must be an object with 'match' and 'rules'")
    match = node.get("match", "all")
    if match not in ("all", "any"):
        raise RuleError(where, None, f"match must be 'all' or 'any', not {match!r}")
    rules = node.get("rules")
    if not isinstance(rules, list) or not rules:
        raise RuleError(where, None, "needs a non-empty list of rules")
    if depth > MAX_DEPTH:
        raise RuleError(where, None, f"groups nest at most {MAX_DEPTH} deep")
    out = []
    for i, child in enumerate(rules, start=1):
        child_path = f"{path}.{i}" if path else str(i)
        counter[0] += 1
        if counter[0] > MAX_RULES:
            raise RuleError(child_path, None, f"a segment has at most {MAX_RULES} rules")
        if isinstance(child, dict) and "rules" in child:
            out.append(_group(child, child_path, depth + 1, counter))
        else:
            out.append(_leaf(child, child_path))
    return {"match": match, "rules": out}


def _leaf(node: Any, path: str) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise RuleError(path, None, "must be an object with 'field', 'op' and 'value'")
    name = node.get("field")
    if not isinstance(name, str) or name not in FIELDS:
        known = ", ".join(sorted(FIELDS))
        raise RuleError(path, str(name) if name is not None else None,
                        f"unknown field {name!r}; fields are: {known}")
    spec = FIELDS[name]
    op = node.get("op")
    if op not in OPS[spec.type]:
        raise RuleError(path, name, f"{op!r} does not apply to a {spec.type} field; use one "
                        f"of {', '.join(OPS[spec.type])}")
    if op in NO_VALUE:
        return {"field": name, "op": op}
    return {"field": name, "op": op, "value": _value(spec, op, node.get("value"), path)}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{value!r} is yes/no"
    if isinstance(value, int | float):
        return f"{value!r} is a number"
    if isinstance(value, str):
        return f"{value!r} is text"
    if value is None:
        return "the value is missing"
    return f"{value!r} is a {type(value).__name__}"


def _number(spec: FieldSpec, value: Any, path: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise RuleError(path, spec.name, f"{spec.name} is a number, but "
                            f"{_describe(value)}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleError(path, spec.name, f"{spec.name} is a number, but {_describe(value)}")
    if not math.isfinite(value):
        raise RuleError(path, spec.name, f"{value!r} is not a finite number")
    return int(value) if float(value).is_integer() else float(value)


def _text(spec: FieldSpec, value: Any, path: str) -> str:
    kind = "a tag" if spec.type is FieldType.TAGS else "text"
    if not isinstance(value, str):
        raise RuleError(path, spec.name, f"{spec.name} is {kind}, but {_describe(value)}")
    text = value.strip()
    if not text or len(text) > 200:
        raise RuleError(path, spec.name, "the text must be 1 to 200 characters")
    if spec.choices and spec.type is FieldType.TEXT and text.lower() not in spec.choices:
        raise RuleError(path, spec.name, f"{text!r} is not a {spec.name}; use one of "
                        f"{', '.join(spec.choices)}")
    return text


def _value(spec: FieldSpec, op: str, value: Any, path: str) -> Any:
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise RuleError(path, spec.name, "between needs two numbers [low, high]")
        lo, hi = (_number(spec, v, path) for v in value)
        if lo > hi:
            raise RuleError(path, spec.name, f"between {lo} and {hi}: low is above high")
        return [lo, hi]
    if op in LIST_OPS:
        items = value if isinstance(value, list) else [value]
        if not items or len(items) > MAX_LIST:
            raise RuleError(path, spec.name, f"{op} needs 1 to {MAX_LIST} values")
        return [_text(spec, v, path) for v in items]
    if spec.type is FieldType.NUMBER:
        return _number(spec, value, path)
    if spec.type is FieldType.DATE:
        if op in ("within_days", "not_within_days"):
            days = _number(spec, value, path)
            if days < 0 or days > 36_500:
                raise RuleError(path, spec.name, "the number of days must be 0 to 36500")
            return int(days)
        if not isinstance(value, str):
            raise RuleError(path, spec.name, f"{spec.name} is a date, but {_describe(value)}")
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise RuleError(path, spec.name, f"{value!r} is not a date (YYYY-MM-DD)") from None
    return _text(spec, value, path)


def _needs(tree: dict[str, Any]) -> set[Join]:
    found: set[Join] = set()
    for rule in tree["rules"]:
        if "rules" in rule:
            found |= _needs(rule)
        elif (join := FIELDS[rule["field"]].join) is not None:
            found.add(join)
    return found


def compile_rules(tree: Any, *, now: datetime) -> Select[int]:
    """``SELECT customer.id`` of everyone the (validated) rules match at ``now``."""
    valid = validate(tree)
    ctx = Context(order_aggregate(), now)
    query = select(Customer.id)
    needs = _needs(valid)
    if Join.ORDERS in needs:
        query = query.outerjoin(ctx.orders, ctx.orders.c.customer_id == Customer.id)
    if Join.VALUE in needs:
        query = query.outerjoin(CustomerValue, CustomerValue.customer_id == Customer.id)
    if Join.SCORE in needs:
        query = query.outerjoin(CustomerScore, CustomerScore.customer_id == Customer.id)
    return query.where(_condition(valid, ctx))


def _condition(node: dict[str, Any], ctx: Context) -> ColumnElement[bool]:
    if "rules" in node:
        parts = [_condition(r, ctx) for r in node["rules"]]
        return and_(*parts) if node["match"] == "all" else or_(*parts)
    spec = FIELDS[node["field"]]
    if spec.type is FieldType.TAGS:
        return _tags(spec, node["op"], node.get("value"))
    assert spec.expr is not None
    expr = spec.expr(ctx)
    op: str = node["op"]
    value: Any = node.get("value")
    if op == "is_unknown":
        return expr.is_(None)
    if op == "is_known":
        return expr.is_not(None)
    if spec.type is FieldType.BOOL:
        return expr.is_(true()) if op == "is_true" else expr.is_(false())
    if spec.type is FieldType.DATE:
        return _date(expr, op, value, ctx.now)
    if spec.type is FieldType.TEXT:
        return _text_condition(func.lower(cast(expr, String)), op, value)
    if op == "between":
        return expr.between(value[0], value[1])
    comparisons: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
        "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le,
        "gt": operator.gt, "gte": operator.ge,
    }
    return comparisons[op](expr, value)


def _text_condition(expr: ColumnElement[Any], op: str, value: Any) -> ColumnElement[bool]:
    if op in ("in", "not_in"):
        lowered = [v.lower() for v in value]
        return expr.in_(lowered) if op == "in" else expr.not_in(lowered)
    text = str(value).lower()
    if op == "contains":
        return expr.contains(text, autoescape=True)
    if op == "starts_with":
        return expr.startswith(text, autoescape=True)
    return expr == text if op == "eq" else expr != text


def _date(expr: ColumnElement[Any], op: str, value: Any, now: datetime) -> ColumnElement[bool]:
    if op in ("within_days", "not_within_days"):
        since = now - timedelta(days=int(value))
        return expr >= since if op == "within_days" else expr < since
    day = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return expr < day if op == "before" else expr >= day


def _json_text(column: Any) -> ColumnElement[str]:
    return func.lower(func.coalesce(cast(column, String), "[]"))


def _has(spec: FieldSpec, tag: str) -> ColumnElement[bool]:
    # Tags are JSON lists; their stored text holds each tag JSON-quoted on every dialect.
    needle = json.dumps(tag.lower())
    return or_(*(_json_text(col).contains(needle, autoescape=True) for col in spec.tag_columns))


def _tags(spec: FieldSpec, op: str, value: Any) -> ColumnElement[bool]:
    if op in ("is_unknown", "is_known"):
        empty = and_(*(_json_text(col).in_(("[]", "null")) for col in spec.tag_columns))
        return empty if op == "is_unknown" else not_(empty)
    if op == "has":
        return _has(spec, value)
    parts = [_has(spec, tag) for tag in value]
    if op == "has_all":
        return and_(*parts)
    return or_(*parts) if op == "has_any" else not_(or_(*parts))


def summary(tree: dict[str, Any]) -> str:
    """A one-line reading of a valid tree: 'age between 25 and 34 and values has craft'."""
    joiner = " and " if tree["match"] == "all" else " or "
    parts = []
    for rule in tree["rules"]:
        if "rules" in rule:
            parts.append(f"({summary(rule)})")
            continue
        value = rule.get("value")
        shown = "" if value is None else (
            f" {value[0]} and {value[1]}" if rule["op"] == "between"
            else " " + ", ".join(map(str, value)) if isinstance(value, list) else f" {value}")
        parts.append(f"{rule['field'].replace('_', ' ')} {rule['op'].replace('_', ' ')}{shown}")
    return joiner.join(parts)
