"""The goodwill policy document: its schema, YAML/JSON parsing with exact error lines, export.

A policy with any error is rejected whole, and every error names the line and the field, so a
manager can fix the file; the version in force stays in force until a valid one replaces it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from fairdesk.errors import ValidationFailed


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[
    Decimal,
    Field(ge=0, le=1_000_000, max_digits=12, decimal_places=2),
    PlainSerializer(_number, return_type=int | float),
]
NAME = r"^[a-z][a-z0-9_]{0,39}$"
ROLES = ("agent", "manager", "admin")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Remedy(_Strict):
    """A kind of gesture; ``amount`` is what to suggest: the order's value, none, or a sum."""

    label: str = Field(min_length=1, max_length=60)
    amount: Annotated[str, Field(pattern="^(order|none)$")] | Money = "order"
    partial: bool = Field(
        default=False, description="may be granted as part of its amount (credit, refund)"
    )
    customer_text: str = Field(min_length=1, max_length=500)

    @field_validator("customer_text")
    @classmethod
    def _placeholders(cls, text: str) -> str:
        unknown = set(re.findall(r"{(\w*)}", text)) - {"amount"}
        if unknown:
            raise ValueError(f"may use only {{amount}}, not {sorted(unknown)}")
        return text


class Limits(_Strict):
    per_gesture: Money
    per_remedy: dict[Annotated[str, Field(pattern=NAME)], Money] = {}
    per_day: Money
    per_month: Money


class NoQuestionsAsked(_Strict):
    """César Ritz's rule: for this category, this remedy up to the cap, at once."""

    category: str = Field(pattern=NAME)
    remedy: str = Field(pattern=NAME)
    cap: Money


class ValueTier(_Strict):
    name: str = Field(min_length=1, max_length=40)
    min_clv: Money
    multiplier: float = Field(ge=1, le=10)


class RepeatClaims(_Strict):
    window_days: int = Field(ge=1, le=3650)
    max_claims: int = Field(ge=1, le=1000)


class Policy(_Strict):
    name: str = Field(min_length=1, max_length=120)
    currency: str = Field(pattern="^[A-Z]{3}$")
    max_gesture: Money = Field(description="the most any single gesture may be, even approved")
    no_receipt_under: Money
    approval_answer_hours: int = Field(ge=1, le=720)
    remedies: dict[Annotated[str, Field(pattern=NAME)], Remedy] = Field(min_length=1)
    roles: dict[Annotated[str, Field(pattern="^(agent|manager|admin)$")], Limits]
    no_questions_asked: list[NoQuestionsAsked] = []
    value_tiers: list[ValueTier] = []
    segment_multipliers: dict[
        Annotated[str, Field(pattern=NAME)], Annotated[float, Field(ge=1, le=10)]
    ] = {}
    repeat_claims: RepeatClaims
    recommend: dict[Annotated[str, Field(pattern=NAME)], str]

    @model_validator(mode="after")
    def _references(self) -> Policy:
        if "agent" not in self.roles or "manager" not in self.roles:
            raise ValueError("roles: must define at least agent and manager")
        if "default" not in self.recommend:
            raise ValueError("recommend: needs a 'default' remedy")
        for category, remedy in self.recommend.items():
            self._known(remedy, f"recommend.{category}")
        for i, rule in enumerate(self.no_questions_asked):
            self._known(rule.remedy, f"no_questions_asked.{i}.remedy")
        for role, limits in self.roles.items():
            for remedy in limits.per_remedy:
                self._known(remedy, f"roles.{role}.per_remedy.{remedy}")
        return self

    def _known(self, remedy: str, where: str) -> None:
        if remedy not in self.remedies:
            raise ValueError(f"{where}: unknown remedy {remedy!r}; define it under remedies")


class PolicyError(ValidationFailed):
    """A policy that cannot be used; ``details`` lists every problem as line, field, message."""

    code = "invalid_policy"


def _node_at(root: yaml.Node, loc: tuple[int | str, ...]) -> yaml.Node:
    """The deepest YAML node along a pydantic error location (the parent if a key is missing)."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(
                ((k, v) for k, v in node.value if str(getattr(k, "value", "")) == str(part)), None
            )
            if match is None:
                return node
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def _field(loc: tuple[int | str, ...]) -> str:
    # Pydantic adds its own markers ("[key]", union branch names) that are not YAML fields.
    parts = [str(p) for p in loc if not (isinstance(p, str) and ("[" in p or "-" in p))]
    return ".".join(parts) or "(document)"


_WHERE = re.compile(r"^([a-z_][\w.]*): (.*)$", re.S)


def parse(source: str) -> Policy:
    """Parse YAML (or JSON, which YAML reads) into a policy, or raise :class:`PolicyError`."""
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or "not valid YAML"
        raise PolicyError(
            f"line {line}: {problem}",
            field="(syntax)",
            details=[{"line": line, "field": "(syntax)", "message": problem}],
        ) from exc
    if root is None or not isinstance(data, dict):
        raise PolicyError(
            "line 1: the policy must be a mapping of fields",
            field="(document)",
            details=[{"line": 1, "field": "(document)", "message": "expected a mapping"}],
        )
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc: tuple[int | str, ...] = tuple(err["loc"])
            message = str(err["msg"]).removeprefix("Value error, ")
            located = _WHERE.match(message) if not loc else None
            if located:  # a cross-field rule names its own field: "recommend.defect: …"
                loc = tuple(int(p) if p.isdigit() else p for p in located[1].split("."))
                message = located[2]
            node = _node_at(root, loc)
            problems.append(
                {"line": node.start_mark.line + 1, "field": _field(loc), "message": message}
            )
        problems.sort(key=lambda p: (int(p["line"]), str(p["field"])))
        first = problems[0]
        summary = "; ".join(f"line {p['line']}, {p['field']}: {p['message']}" for p in problems)
        raise PolicyError(summary, field=str(first["field"]), details=problems) from None


def to_yaml(policy: Policy) -> str:
    """The policy as YAML, in schema order (used when a version was submitted as JSON)."""
    return yaml.safe_dump(
        policy.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=100
    )


def from_document(document: dict[str, Any]) -> Policy:
    """Rebuild a stored, already validated policy document."""
    return Policy.model_validate(document)
