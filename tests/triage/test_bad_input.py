"""Any text gets a valid result: empty, huge, emoji, HTML, other scripts, control characters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairdesk.triage import Tone, TriageResult, analyze


def assert_valid(result: TriageResult, text: str) -> None:
    assert -1.0 <= result.sentiment.sentiment <= 1.0
    assert 0.0 <= result.sentiment.anger <= 1.0
    assert 0.0 <= result.urgency.score <= 1.0
    assert 0.0 <= result.spam_score <= 1.0
    assert 0.0 <= result.topic.confidence <= 1.0
    assert result.topic.topic
    assert result.tone in set(Tone)
    for start, end in result.abuse.spans:
        assert 0 <= start < end <= len(text)
    assert result.model_version.startswith("lexicon-")
    result.to_dict()  # JSON-ready


def test_empty_text() -> None:
    result = analyze("")
    assert_valid(result, "")
    assert result.tone == Tone.POLITE and not result.abuse.abusive
    assert result.sentiment.sentiment == 0.0


def test_one_megabyte_of_text_is_scanned_for_abuse_throughout() -> None:
    filler = "My parcel is late and I would like an update please. " * 20_000
    text = filler + "You idiot."
    assert len(text) > 1_000_000
    result = analyze(text)
    assert_valid(result, text)
    assert result.abuse.abusive  # masking must reach the very end
    assert result.abuse.spans[-1][1] == len(text) - 1


def test_emoji_only() -> None:
    text = "😡😡😡🤬"
    result = analyze(text)
    assert_valid(result, text)
    assert result.sentiment.sentiment < 0 and result.sentiment.anger > 0.5
    assert not result.abuse.abusive


def test_html_is_read_as_text() -> None:
    text = "<p>Hello <b>you idiot</b></p><script>alert('x')</script>"
    result = analyze(text)
    assert_valid(result, text)
    assert result.abuse.abusive
    start, end = result.abuse.spans[0]
    assert text[start:end] == "idiot"


@pytest.mark.parametrize(
    "text",
    [
        "Здравствуйте, где мой заказ? Уже две недели жду.",
        "我的订单在哪里？已经两个星期了。",
        "أين طلبي؟ لقد مر أسبوعان",
        "שלום, איפה ההזמנה שלי?",
        "こんにちは、注文はどこですか",
        "İSTANBUL'a gönderilen sipariş",  # 'İ' lower-cases to two characters
    ],
)
def test_other_scripts(text: str) -> None:
    result = analyze(text)
    assert_valid(result, text)
    assert not result.abuse.abusive


def test_control_characters() -> None:
    text = "you\x00 idiot\x07\x1b[31m where\r\nis my\x0b parcel\x7f"
    result = analyze(text)
    assert_valid(result, text)
    assert result.abuse.abusive
    start, end = result.abuse.spans[0]
    assert text[start:end] == "idiot"


@pytest.mark.parametrize(
    "text",
    [
        "a " * 200_000,
        "f*" * 200_000,
        "i d " * 100_000,
        "you " * 100_000 + "idiot",
        "!" * 300_000,
        "@$1!" * 100_000,
        "\u200b" * 100_000 + "idiot",
        ("I will " * 20 + "x ") * 5_000,
    ],
)
def test_pathological_repetition_finishes(text: str) -> None:
    assert_valid(analyze(text), text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2_000))
def test_any_unicode_text(text: str) -> None:
    assert_valid(analyze(text), text)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=500).map(lambda b: b.decode("latin-1")))
def test_any_bytes_read_as_latin1(text: str) -> None:
    assert_valid(analyze(text), text)
