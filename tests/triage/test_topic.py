"""The topic model: scikit-learn to fit, plain Python to predict, the same probabilities."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from fairdesk.triage import TopicModel
from fairdesk.triage.topic import topic_features

TEXTS = [
    "my parcel has not arrived, tracking stuck",
    "the courier left the parcel at the wrong house",
    "delivery is late again, where is my parcel",
    "please refund my order, I returned it",
    "I want my money back for the return",
    "refund still not received after the return",
    "the grinder is broken and leaks",
    "kettle stopped working, faulty switch",
    "broken carafe, cracked glass",
]
LABELS = ["delivery"] * 3 + ["refund"] * 3 + ["defect"] * 3


def sklearn_reference(texts: list[str], labels: list[str]) -> tuple[TfidfVectorizer, object]:
    vectorizer = TfidfVectorizer(analyzer=topic_features, sublinear_tf=True)
    clf = LogisticRegression(C=4.0, max_iter=5000, class_weight="balanced")
    clf.fit(vectorizer.fit_transform(texts), labels)
    return vectorizer, clf


def test_pure_python_prediction_equals_scikit_learn() -> None:
    model = TopicModel().fit(TEXTS, LABELS)
    vectorizer, clf = sklearn_reference(TEXTS, LABELS)
    probe = ["parcel late", "refund please", "broken grinder leaks", "nothing in common", ""]
    expected = clf.predict_proba(vectorizer.transform(probe))  # type: ignore[attr-defined]
    got = np.array([model.predict_proba_one(t) for t in probe])
    assert model.classes_ == list(clf.classes_)  # type: ignore[attr-defined]
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_two_topics_use_one_logit() -> None:
    model = TopicModel().fit(TEXTS[:6], LABELS[:6])
    vectorizer, clf = sklearn_reference(TEXTS[:6], LABELS[:6])
    expected = clf.predict_proba(vectorizer.transform(["parcel refund"]))  # type: ignore[attr-defined]
    np.testing.assert_allclose(model.predict_proba_one("parcel refund"), expected[0], atol=1e-4)


def test_round_trip_keeps_predictions_and_no_training_text() -> None:
    model = TopicModel(version="t1").fit(TEXTS, LABELS)
    data = model.to_dict()
    again = TopicModel.from_dict(json.loads(json.dumps(data)))
    assert again.version == "t1"
    for text in TEXTS:
        assert again.predict_proba_one(text) == pytest.approx(model.predict_proba_one(text))
    stored = json.dumps(data)
    assert TEXTS[0] not in stored  # only features, weights and IDF are kept


def test_explanations_name_the_words_that_pushed() -> None:
    model = TopicModel().fit(TEXTS, LABELS)
    result = model.predict_one("the courier lost my parcel")
    assert result.topic == "delivery"
    assert result.features and result.features[0][0] in {"parcel", "courier", "courier lost"}


def test_fit_needs_two_topics_and_predict_needs_a_fit() -> None:
    with pytest.raises(ValueError, match="two topics"):
        TopicModel().fit(TEXTS[:3], LABELS[:3])
    with pytest.raises(ValueError, match="not fitted"):
        TopicModel().predict_one("hello")
    with pytest.raises(ValueError, match="fairdesk-topic-model"):
        TopicModel.from_dict({"format": "pickle"})


def test_shipped_starter_model_is_small_and_versioned() -> None:
    path = resources.files("fairdesk.triage.data").joinpath("topic_model.json")
    assert len(path.read_bytes()) < 5 * 1024 * 1024
    model = TopicModel.starter()
    assert model.version.startswith("starter-")
    assert set(model.classes_) == {
        "delivery", "refund", "defect", "billing", "account", "product_question", "other",
    }  # fmt: skip
    assert model.predict_one("I was charged twice for my subscription").topic == "billing"
    assert model.predict_one("The parcel never arrived, tracking is stuck").topic == "delivery"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_probabilities_sum_to_one(text: str) -> None:
    probs = TopicModel.starter().predict_proba_one(text)
    assert sum(probs) == pytest.approx(1.0)
    assert all(0.0 <= p <= 1.0 for p in probs)
