"""Abuse toward staff is recognised; anger, swearing about the situation and self-talk are not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairdesk.triage import AbuseDetector, analyze, mask

detector = AbuseDetector()


def masked(text: str) -> str:
    return mask(text, detector.detect(text).spans)


@pytest.mark.parametrize(
    "text",
    [
        "this f***ing parcel is late again",
        "Where the hell is my order?? This fucking parcel still hasn't shown up.",
        "your company is a joke, worst service ever",
        "You thieves took my money twice and I want it back.",
        "Do you think I'm stupid? The tracking shows you received it.",
        "Don't treat me like an idiot, just refund the order.",
        "I'm such an idiot, I typed my old address.",
        "My husband is an idiot and threw away the returns label.",
        "This stupid website logged me out again.",
        "What a piece of crap, the grinder broke in two days.",
        "Putain, encore un retard! Third week waiting.",
        "Is the new brewer idiot-proof?",
        "I will take you to the small claims court and report you to Trading Standards.",
        "I'll be leaving a one-star review everywhere if this isn't fixed.",
    ],
)
def test_anger_at_a_real_problem_is_not_abuse(text: str) -> None:
    result = detector.detect(text)
    assert not result.abusive, result.evidence
    assert result.spans == ()


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("You idiot, I told you the address three times.", "idiot"),
        ("Listen you useless b****, refund my money.", "useless b****"),
        ("You're a fucking moron.", "fucking moron"),
        ("The woman I spoke to was a stupid cow.", "stupid cow"),
        ("Your driver is a complete moron.", "complete moron"),
        ("Fuck you and your coffee.", "Fuck you"),
        ("you absolute id1ot", "absolute id1ot"),
        ("fvck off with your excuses", "fvck off"),
        ("Are you r e t a r d e d?", "r e t a r d e d"),
        ("u r a f u c k i n g i d i o t", "i d i o t"),
        ("you id\u200biot", "id\u200biot"),
        ("Du Idiot! Where is my parcel?", "Idiot"),
        ("Espèce de connard, my order is late.", "connard"),
        ("Eres un idiota.", "idiota"),
        ("Ty debilu, oddaj pieniądze!", "debilu"),
        ("Vete a la mierda, I want a refund.", "Vete a la mierda"),
    ],
)
def test_insults_aimed_at_staff_are_found_and_masked(text: str, hidden: str) -> None:
    result = detector.detect(text)
    assert result.abusive and not result.threat
    start = text.index(hidden)
    assert (start, start + len(hidden)) in result.spans or any(
        s <= start and start + len(hidden) <= e for s, e in result.spans
    ), result.spans
    shown = masked(text)
    assert len(shown) == len(text)
    assert not any(c.isalnum() for c in shown[start : start + len(hidden)])


@pytest.mark.parametrize(
    "text",
    [
        "I know where you live. Send my parcel.",
        "i kn0w wh3re y0u l1ve",
        "w a t c h  y o u r  b a c k",
        "Refund me or I'll come down to your shop and smash the place up.",
        "Ich weiß, wo du wohnst.",
        "Je sais où tu habites.",
        "Sé dónde vives.",
        "Wiem gdzie mieszkasz.",
    ],
)
def test_threats_are_flagged_as_threats(text: str) -> None:
    result = detector.detect(text)
    assert result.abusive and result.threat
    assert "threat" in result.kinds and result.spans


def test_harassment_is_abuse() -> None:
    result = detector.detect("Hey gorgeous, what are you wearing right now?")
    assert result.abusive and "harassment" in result.kinds


def test_every_flag_is_explained() -> None:
    result = analyze("You idiot. This f***ing parcel is late, your company is a joke.")
    kinds = {ev.kind for ev in result.abuse.evidence}
    assert {"insult", "profanity", "company_anger"} <= kinds
    assert all(ev.note for ev in result.abuse.evidence)
    text = "\n".join(result.explanations)
    assert "insult" in text and "[masked]" in text and "not held against" in text
    assert "idiot" not in text  # the explanation itself does not repeat the insult


def test_mask_keeps_shape_and_merges_overlaps() -> None:
    assert mask("you silly goose", [(4, 9), (6, 15)]) == "you ••••• •••••"
    assert mask("abc", [(-5, 1), (2, 99)]) == "•b•"
    assert mask("", [(0, 3)]) == ""


def test_masked_letters_resolve_to_the_milder_reading() -> None:
    assert detector.resolve_masked("f**k") == "fuck"
    assert detector.resolve_masked("c***") == "crap"  # swear word, not the insult
    assert detector.resolve_masked("c*nt") == "cunt"
    assert detector.resolve_masked("x**x") is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_spans_are_valid_for_any_text(text: str) -> None:
    result = detector.detect(text)
    previous_end = -1
    for start, end in result.spans:
        assert 0 <= start < end <= len(text)
        assert start > previous_end  # sorted, merged
        previous_end = end
    for ev in result.evidence:
        assert text[ev.start : ev.end] == ev.text


PIECES = (
    "you",
    "idiot",
    "f*ck",
    "i",
    "d",
    "o",
    "t",
    "know",
    "where",
    "live",
    "moron",
    "my",
    "husband",
    "😡",
    "!",
    "1",
    "@",
    "$",
    "*",
    "-",
    ".",
    " ",
    "  ",
    "\u200b",
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60).map("".join))
def test_obfuscation_pieces_in_any_order_never_break_offsets(text: str) -> None:
    result = detector.detect(text)
    for ev in result.evidence:
        assert text[ev.start : ev.end] == ev.text
    assert len(mask(text, result.spans)) == len(text)
