"""The theme estimator on its own: planted themes found and named, bad input refused."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from fairdesk.feedback.themes.estimator import (
    UNTHEMED,
    ThemeInputError,
    ThemeModel,
    signature_cosine,
    theme_name,
)
from fairdesk.feedback.themes.text import normalise
from tests.feedback.themes.synthetic import PLANTED, planted_corpus


def _named_after(model: ThemeModel, truth: list[int]) -> dict[int, str]:
    """For each found theme, the planted theme most of its texts come from."""
    keys = list(PLANTED)
    out = {}
    for theme in range(model.n_themes_):
        planted = np.asarray(truth)[model.labels_ == theme]
        out[theme] = keys[int(np.bincount(planted).argmax())]
    return out


def test_planted_themes_are_recovered_and_named_by_their_words() -> None:
    texts, truth = planted_corpus(600, seed=11)
    model = ThemeModel(random_state=0).fit(texts)
    assert model.k_ == 4
    assert adjusted_rand_score(truth, model.labels_) >= 0.9
    names = _named_after(model, truth)
    assert sorted(names.values()) == sorted(PLANTED)
    for theme, planted in names.items():
        top = model.top_terms_[theme][:3]
        assert len(top) == 3
        assert all(any(w in PLANTED[planted] for w in term.split()) for term in top), top
    assert int(model.sizes_.sum()) == len(texts)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), themes=st.integers(2, 4))
def test_any_seed_recovers_the_planted_themes(seed: int, themes: int) -> None:
    texts, truth = planted_corpus(300, seed=seed, themes=themes)
    model = ThemeModel(random_state=seed).fit(texts)
    assert adjusted_rand_score(truth, model.labels_) >= 0.8


def test_fit_is_deterministic_and_predict_places_new_texts() -> None:
    texts, _ = planted_corpus(400, seed=5)
    first = ThemeModel().fit(texts)
    second = ThemeModel().fit(texts)
    assert np.array_equal(first.labels_, second.labels_)
    assert first.top_terms_ == second.top_terms_
    labels = first.predict(["the grinder motor jammed and broke", "🙂🙂", ""])
    grinder = [t for t, terms in enumerate(first.top_terms_) if "grinder" in " ".join(terms)]
    assert labels[0] in grinder
    assert labels[1] == UNTHEMED and labels[2] == UNTHEMED


def test_a_fixed_k_is_honoured() -> None:
    texts, _ = planted_corpus(200, seed=2)
    assert ThemeModel(k=3).fit(texts).n_themes_ == 3


@pytest.mark.parametrize(
    ("texts", "needle"),
    [
        ([], "none of the 0 texts"),
        (["The grinder broke after a week."], "1 of 1 texts have words"),
        (["🙂🙂🙂", "👍", "😡😡", "☕☕", "!!!"], "none of the 5 texts"),
        (["<b></b>", "<p>&nbsp;</p>", "<script></script>", "12345", "thanks!"], "texts"),
    ],
)
def test_too_little_text_is_a_clear_error(texts: list[str], needle: str) -> None:
    with pytest.raises(ThemeInputError) as caught:
        ThemeModel().fit(texts)
    assert caught.value.field == "texts"
    assert needle in caught.value.message


def test_html_is_read_as_words_and_emoji_only_texts_stay_unthemed() -> None:
    texts, _ = planted_corpus(200, seed=3)
    extra = [
        "<b>parcel</b> <i>late</i> &amp; courier lost it",
        "😡😡😡",
        "<script>alert(1)</script>",
    ]
    model = ThemeModel().fit(texts + extra)
    assert normalise(extra[0]) == "parcel late & courier lost it"
    labels = model.labels_[-3:]
    delivery = [
        t
        for t, terms in enumerate(model.top_terms_)
        if {"parcel", "courier", "late", "delivery"} & set(" ".join(terms).split())
    ]
    assert labels[0] in delivery
    assert labels[1] == UNTHEMED
    words = {w for terms in model.top_terms_ for term in terms for w in term.split()}
    assert "script" not in words and "alert" not in words


def test_insults_never_become_theme_terms() -> None:
    texts, _ = planted_corpus(200, seed=4)
    texts += ["you idiot, my parcel is late", "useless idiot courier lost my parcel"] * 20
    model = ThemeModel().fit(texts)
    assert all("idiot" not in term for terms in model.top_terms_ for term in terms)


def test_names_and_signatures() -> None:
    assert theme_name(["late", "parcel", "courier", "lost"]) == "late · parcel · courier"
    assert theme_name([]) == "unnamed theme"
    assert signature_cosine({"a": 1.0}, {"a": 1.0}) == pytest.approx(1.0)
    assert signature_cosine({"a": 1.0}, {"b": 1.0}) == 0.0
    assert signature_cosine({}, {"b": 1.0}) == 0.0
