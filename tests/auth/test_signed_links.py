"""The one signer behind portal, survey, decision and approval links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdesk.auth import signed_links
from fairdesk.config import Settings
from fairdesk.errors import FairdeskError

SETTINGS = Settings(secret_key="k" * 40)
ISSUED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class Invalid(FairdeskError):
    status_code = 403


class Expired(FairdeskError):
    status_code = 410


def _unsign(token: str, *, salt: str = "a", max_age: int | None = 60, now: datetime) -> object:
    return signed_links.unsign(
        token,
        salt=salt,
        max_age=max_age,
        invalid=Invalid("invalid"),
        expired=Expired("expired"),
        now=now,
        settings=SETTINGS,
    )


@given(st.lists(st.one_of(st.integers(), st.text(max_size=20)), max_size=4))
def test_a_payload_comes_back_as_signed(payload: list[int | str]) -> None:
    token = signed_links.sign(payload, salt="a", now=ISSUED, settings=SETTINGS)
    assert _unsign(token, now=ISSUED) == payload


def test_another_salt_or_key_is_refused() -> None:
    token = signed_links.sign([1, 2], salt="a", now=ISSUED, settings=SETTINGS)
    with pytest.raises(Invalid):
        _unsign(token, salt="b", now=ISSUED)
    other = signed_links.sign([1, 2], salt="a", now=ISSUED, settings=Settings(secret_key="x" * 40))
    with pytest.raises(Invalid):
        _unsign(other, now=ISSUED)


def test_age_is_checked_against_the_given_clock() -> None:
    token = signed_links.sign([1, 2], salt="a", now=ISSUED, settings=SETTINGS)
    assert _unsign(token, now=ISSUED + timedelta(seconds=60)) == [1, 2]
    with pytest.raises(Expired):
        _unsign(token, now=ISSUED + timedelta(seconds=61))
    assert _unsign(token, max_age=None, now=ISSUED + timedelta(days=999)) == [1, 2]


@given(st.text(max_size=60))
def test_tampered_or_oversized_tokens_are_invalid(noise: str) -> None:
    token = signed_links.sign([1, 2], salt="a", now=ISSUED, settings=SETTINGS)
    flipped = token[:3] + ("B" if token[3] == "A" else "A") + token[4:]  # the payload changed
    for bad in (flipped, noise, token[:-3], token + "y" * 400):
        with pytest.raises(Invalid):
            _unsign(bad, now=ISSUED)


@given(st.lists(st.one_of(st.integers(), st.booleans(), st.text(max_size=3)), max_size=3))
def test_positive_ids_accepts_only_that_many_positive_ints(payload: list[object]) -> None:
    ids = signed_links.positive_ids(payload, 2)
    expected = len(payload) == 2 and all(type(v) is int and v > 0 for v in payload)
    assert (ids is not None) == expected
    if ids is not None:
        assert list(ids) == payload
