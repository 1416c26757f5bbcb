"""Topic of a message: TF-IDF + logistic regression, fitted with scikit-learn, run without it.

``fit`` uses scikit-learn; the fitted model is then just an IDF table and one weight row per
word, saved as JSON (no pickle, nothing executable, no training text kept). Prediction is a
few dictionary look-ups in plain Python, fast enough for the intake path, and identical to
scikit-learn's own ``predict_proba`` (a test checks it).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

from fairdesk.triage.lexicon import DATA_PACKAGE
from fairdesk.triage.result import TopicResult
from fairdesk.triage.text import ANALYSED_CHARS, fold

FORMAT = "fairdesk-topic-model/1"
_WORD = re.compile(r"[^\W\d_]{2,}")
_STOP = frozenset(
    (
        "the", "and", "for", "you", "your", "are", "was", "were", "this", "that", "with", "have",
        "has", "had", "but", "not", "our", "can", "could", "would", "will", "its", "it's", "i'm",
        "i've", "from", "they", "them", "there", "their", "been", "just", "what", "when", "which",
        "who", "how", "all", "any", "out", "get", "got", "some", "into", "than", "then", "also",
        "very", "about", "over", "only", "one", "two", "she", "her", "his", "him", "well", "should",
        "hi", "hello", "thanks", "thank", "please", "dear", "regards",
    )
)  # fmt: skip


def topic_features(text: str) -> list[str]:
    """Words (two letters or more, minus stop words) and adjacent word pairs."""
    words = [w for w in _WORD.findall(fold(text[:ANALYSED_CHARS])) if w not in _STOP]
    return words + [f"{a} {b}" for a, b in pairwise(words)]


class TopicModel:
    """Multinomial logistic regression over TF-IDF features.

    Configure in ``__init__``; ``fit(texts, labels)`` returns self; ``predict``,
    ``predict_one`` and ``score`` follow; ``to_dict``/``from_dict`` round-trip the fitted
    parameters. ``version`` is stored with every result so outputs can be traced to a model.
    """

    def __init__(
        self, *, C: float = 4.0, min_df: int = 1, max_features: int = 40_000, version: str = ""
    ) -> None:
        self.C = C
        self.min_df = min_df
        self.max_features = max_features
        self.version = version
        self.classes_: list[str] = []
        self.intercept_: list[float] = []
        self.idf_: dict[str, float] = {}
        self.weights_: dict[str, list[float]] = {}

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TopicModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if len(set(labels)) < 2:
            raise ValueError("a topic model needs examples of at least two topics")
        vectorizer = TfidfVectorizer(
            analyzer=topic_features,
            sublinear_tf=True,
            min_df=self.min_df,
            max_features=self.max_features,
        )
        matrix = vectorizer.fit_transform(list(texts))
        clf = LogisticRegression(C=self.C, max_iter=5000, class_weight="balanced")
        clf.fit(matrix, list(labels))
        coef = clf.coef_
        intercept = list(clf.intercept_)
        if len(clf.classes_) == 2:  # one logit; softmax over (0, z) is the same sigmoid
            coef = [[0.0] * coef.shape[1], list(coef[0])]
            intercept = [0.0, intercept[0]]
        else:
            coef = [list(row) for row in coef]
        self.classes_ = [str(c) for c in clf.classes_]
        self.intercept_ = [round(float(b), 6) for b in intercept]
        vocab: dict[str, int] = vectorizer.vocabulary_
        self.idf_ = {f: round(float(vectorizer.idf_[i]), 6) for f, i in vocab.items()}
        self.weights_ = {f: [round(float(row[i]), 6) for row in coef] for f, i in vocab.items()}
        return self

    def _check_fitted(self) -> None:
        if not self.classes_:
            raise ValueError("the topic model is not fitted")

    def _weighted(self, text: str) -> dict[str, float]:
        """The text's TF-IDF vector (sublinear tf, L2-normalised), as scikit-learn makes it."""
        idf = self.idf_
        counts = Counter(f for f in topic_features(text) if f in idf)
        values = {f: (1.0 + math.log(c)) * idf[f] for f, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
        return {f: v / norm for f, v in values.items()}

    def _proba(self, vector: dict[str, float]) -> list[float]:
        scores = list(self.intercept_)
        weights = self.weights_
        for feature, share in vector.items():
            for k, w in enumerate(weights[feature]):
                scores[k] += share * w
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def predict_proba_one(self, text: str) -> list[float]:
        self._check_fitted()
        return self._proba(self._weighted(text))

    def predict_one(self, text: str, *, explain: int = 3) -> TopicResult:
        """The most likely topic, its probability and the words that drove it."""
        self._check_fitted()
        vector = self._weighted(text)
        probs = self._proba(vector)
        best = max(range(len(probs)), key=probs.__getitem__)
        drivers = sorted(
            ((f, self.weights_[f][best] * share) for f, share in vector.items()),
            key=lambda item: -item[1],
        )
        return TopicResult(
            topic=self.classes_[best],
            confidence=round(probs[best], 4),
            features=tuple((f, round(w, 3)) for f, w in drivers[:explain] if w > 0),
        )

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self.predict_one(t, explain=0).topic for t in texts]

    def score(self, texts: Sequence[str], labels: Sequence[str]) -> float:
        """Accuracy on labelled texts."""
        predicted = self.predict(texts)
        return sum(p == y for p, y in zip(predicted, labels, strict=True)) / max(len(labels), 1)

    def to_dict(self) -> dict[str, Any]:
        self._check_fitted()
        return {
            "format": FORMAT,
            "version": self.version,
            "params": {"C": self.C, "min_df": self.min_df, "max_features": self.max_features},
            "classes": self.classes_,
            "intercept": self.intercept_,
            "idf": self.idf_,
            "weights": self.weights_,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TopicModel:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} file")
        model = cls(**data["params"], version=data["version"])
        model.classes_ = list(data["classes"])
        model.intercept_ = [float(b) for b in data["intercept"]]
        model.idf_ = {str(f): float(v) for f, v in data["idf"].items()}
        model.weights_ = {str(f): [float(w) for w in row] for f, row in data["weights"].items()}
        if any(len(row) != len(model.classes_) for row in model.weights_.values()):
            raise ValueError("weight rows do not match the classes")
        return model

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(), separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)  # readers never see a half-written model

    @classmethod
    def load(cls, path: Path) -> TopicModel:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def starter(cls) -> TopicModel:
        """The model shipped in the package, trained on text written for fairdesk."""
        text = resources.files(DATA_PACKAGE).joinpath("topic_model.json").read_text("utf-8")
        return cls.from_dict(json.loads(text))
