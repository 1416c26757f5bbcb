"""The policy file: defaults, export round trip, and errors that name the line and the field."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.goodwill import policy
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.policy import PolicyError

DEFAULT = goodwill_service.default_source()


def _line_of(source: str, needle: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if needle in line)


def test_default_policy_is_valid_and_round_trips() -> None:
    parsed = policy.parse(DEFAULT)
    assert parsed.currency == "GBP"
    assert parsed.roles["agent"].per_gesture == 50
    assert any(n.category == "defect" and n.remedy == "replacement"
               for n in parsed.no_questions_asked)
    assert policy.parse(policy.to_yaml(parsed)) == parsed


def test_wrong_type_names_line_and_field() -> None:
    bad = DEFAULT.replace("    per_day: 250", "    per_day: lots")
    with pytest.raises(PolicyError) as err:
        policy.parse(bad)
    assert err.value.field == "roles.agent.per_day"
    assert err.value.details == [{
        "line": _line_of(bad, "per_day: lots"), "field": "roles.agent.per_day",
        "message": err.value.details[0]["message"],
    }]
    assert f"line {_line_of(bad, 'per_day: lots')}, roles.agent.per_day" in err.value.message


def test_unknown_remedy_reference_points_at_its_line() -> None:
    bad = DEFAULT.replace("  defect: replacement\n  delivery", "  defect: voucher\n  delivery")
    with pytest.raises(PolicyError) as err:
        policy.parse(bad)
    assert err.value.field == "recommend.defect"
    assert err.value.details[0]["line"] == _line_of(bad, "defect: voucher")
    assert "unknown remedy 'voucher'" in err.value.message


def test_unknown_field_and_syntax_error_are_located() -> None:
    bad = DEFAULT.replace("no_receipt_under: 30", "no_reciept_under: 30")
    with pytest.raises(PolicyError) as err:
        policy.parse(bad)
    fields = {d["field"]: d["line"] for d in err.value.details}
    assert fields["no_reciept_under"] == _line_of(bad, "no_reciept_under")
    assert "no_receipt_under" in fields  # now missing: reported at the document
    with pytest.raises(PolicyError) as err:
        policy.parse("name: x\nroles: [unclosed\n")
    assert err.value.field == "(syntax)"
    assert err.value.details[0]["line"] in (2, 3)


def test_placeholder_other_than_amount_is_refused() -> None:
    bad = DEFAULT.replace("We've added {amount} of", "We've added {credit} of")
    with pytest.raises(PolicyError) as err:
        policy.parse(bad)
    assert err.value.field == "remedies.store_credit.customer_text"


LIMIT_FIELDS = [("agent", "per_gesture"), ("agent", "per_day"), ("agent", "per_month"),
                ("manager", "per_gesture"), ("manager", "per_day")]


@given(
    target=st.sampled_from(LIMIT_FIELDS),
    value=st.one_of(st.integers(max_value=-1), st.integers(min_value=1_000_001),
                    st.text(alphabet="abcxyz", min_size=1, max_size=8), st.none()),
)
@settings(deadline=None)  # YAML parsing on a shared machine: speed is not what this checks
def test_any_bad_limit_is_named_with_its_line(target: tuple[str, str], value: object) -> None:
    data = yaml.safe_load(DEFAULT)
    role, key = target
    data["roles"][role][key] = value
    source = yaml.safe_dump(data, sort_keys=False)
    with pytest.raises(PolicyError) as err:
        policy.parse(source)
    wanted = f"roles.{role}.{key}"
    lines = source.splitlines()
    role_line = next(i for i, s in enumerate(lines) if s.strip() == f"{role}:")
    key_line = next(i for i, s in enumerate(lines[role_line:], role_line + 1)
                    if s.strip().startswith(f"{key}:"))
    assert {"field": wanted, "line": key_line} in [
        {"field": d["field"], "line": d["line"]} for d in err.value.details
    ]


def test_saving_a_bad_policy_keeps_the_old_one(session: Session, manager: StaffUser) -> None:
    before = goodwill_service.current_version(session)
    with pytest.raises(PolicyError):
        goodwill_service.save_policy(
            session, source=DEFAULT.replace("currency: GBP", "currency: pounds"), actor=manager
        )
    assert goodwill_service.current_version(session).id == before.id
    newer = goodwill_service.save_policy(
        session, source=DEFAULT.replace("no_receipt_under: 30", "no_receipt_under: 35"),
        actor=manager, note="raise threshold",
    )
    assert newer.number == before.number + 1
    assert goodwill_service.policy_of(newer).no_receipt_under == 35
    assert goodwill_service.get_version(session, before.number).document["no_receipt_under"] == 30
