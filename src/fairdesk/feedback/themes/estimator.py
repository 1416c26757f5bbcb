"""Group short customer texts into themes: TF-IDF, a low-rank projection, k-means.

``ThemeModel`` follows the estimator convention: configure in ``__init__``, ``fit(texts)``
returns self, then ``predict``/``transform``. It is pure (no database) and keeps no training
text: after ``fit`` it holds the vectoriser, the projection, the centroids and per-text
outputs (``labels_``, ``closeness_``), like scikit-learn's own estimators.

Why this pipeline: comments are short and sparse, so raw k-means on word counts groups by
length and stop words. TF-IDF (sublinear, words and word pairs, stop words and insults
removed) weighs what is distinctive; a truncated SVD (LSA) to a few dozen dimensions merges
synonyms that co-occur and makes cosine k-means fast; k is chosen by the silhouette of a
sample over a small range, because a manager can merge or split what the data gets wrong.
When the triage ``embeddings`` extra is installed, sentence embeddings replace the LSA
vectors (they know "late" and "delayed" mean the same without seeing them together); theme
names still come from TF-IDF terms, which a person can read.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from fairdesk.errors import ValidationFailed
from fairdesk.feedback.themes.text import TOKEN_PATTERN, normalise, stop_words
from fairdesk.triage.similar import EMBEDDING_PACKAGE, embeddings_available

MODEL_VERSION = "themes-lsa-kmeans-1"
Backend = Literal["auto", "tfidf", "embeddings"]
Labels = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
UNTHEMED = -1  # a text with no usable words (emoji only, a number, a greeting)
SAMPLE_FOR_K = 4_000  # texts the choice of k looks at
SAMPLE_FOR_SILHOUETTE = 2_000
MINIBATCH_FROM = 20_000  # above this many texts, mini-batch k-means


class ThemeInputError(ValidationFailed):
    """Too little text to group; names the field and how much usable text there was."""


class ThemeModel:
    """Themes of a list of texts; ``k=None`` chooses k by silhouette in ``k_range``."""

    def __init__(
        self,
        *,
        k: int | None = None,
        k_range: tuple[int, int] = (2, 12),
        min_texts: int = 4,
        min_theme_size: int = 2,
        n_components: int = 60,
        max_features: int = 30_000,
        n_terms: int = 6,
        backend: Backend = "tfidf",
        random_state: int = 0,
    ) -> None:
        self.k = k
        self.k_range = k_range
        self.min_texts = min_texts
        self.min_theme_size = min_theme_size
        self.n_components = n_components
        self.max_features = max_features
        self.n_terms = n_terms
        self.backend = backend
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------------------

    def fit(self, texts: Sequence[str]) -> ThemeModel:
        """Learn the themes of ``texts``; raises ``ThemeInputError`` when there is too little."""
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str]) -> Any:
        """``fit``, returning the texts' TF-IDF rows (what ``transform`` would give) so that a
        caller who needs them does not read every text a second time."""
        prepared = [normalise(t) for t in texts]
        n = len(prepared)
        self.vectorizer_ = TfidfVectorizer(
            token_pattern=TOKEN_PATTERN,
            stop_words=sorted(stop_words()),
            ngram_range=(1, 2),
            min_df=2 if n >= 50 else 1,
            max_df=0.5 if n >= 50 else 1.0,
            max_features=self.max_features,
            sublinear_tf=True,
            dtype=np.float32,
        )
        try:
            tfidf = self.vectorizer_.fit_transform(prepared)
        except ValueError as exc:  # no word survived: empty, emoji or stop words only
            raise ThemeInputError(
                f"nothing to group: none of the {n} texts has words a theme could be named by",
                field="texts",
            ) from exc
        usable = np.flatnonzero(tfidf.getnnz(axis=1) > 0)
        if usable.size < self.min_texts:
            raise ThemeInputError(
                f"too little text to find themes: {usable.size} of {n} texts have words, "
                f"at least {self.min_texts} are needed",
                field="texts",
            )
        self.terms_ = np.asarray(self.vectorizer_.get_feature_names_out())
        vectors = self._project(tfidf[usable], [prepared[i] for i in usable], fitting=True)
        # Rule of thumb k <= sqrt(n / 2): a few texts never make a dozen themes.
        k_max = max(2, min(self.k_range[1], int(np.sqrt(usable.size / 2))))
        with threadpool_limits(limits=1):  # one thread: the desk's other work shares the CPU
            if self.k is not None:
                self.k_ = max(1, min(self.k, usable.size))
                self.silhouette_ = None
            else:
                self.k_, self.silhouette_ = self._choose_k(
                    vectors, min(self.k_range[0], k_max), k_max
                )
            self.clusterer_ = self._kmeans(self.k_, usable.size).fit(vectors)
        labels = np.full(n, UNTHEMED, dtype=np.int64)
        labels[usable] = self.clusterer_.labels_
        self.labels_ = self._renumber(labels)
        self.closeness_ = np.zeros(n, dtype=np.float64)
        centres = normalize(self.clusterer_.cluster_centers_)
        kept = self.labels_[usable] >= 0
        rows = usable[kept]
        self.closeness_[rows] = np.einsum(
            "ij,ij->i", vectors[kept], centres[self._old_label[self.labels_[rows]]]
        )
        self._describe(tfidf)
        return tfidf

    def _project(self, tfidf: Any, texts: Sequence[str], *, fitting: bool) -> Floats:
        if fitting:
            self.backend_ = self._resolve_backend()
        if self.backend_ == "embeddings":
            return self._embed(texts)
        if fitting:
            dims = min(self.n_components, tfidf.shape[1] - 1, tfidf.shape[0] - 1)
            self.svd_: TruncatedSVD | None = None
            if dims >= 2:
                self.svd_ = TruncatedSVD(
                    dims, algorithm="randomized", n_iter=4, random_state=self.random_state
                ).fit(tfidf)
        projected = self.svd_.transform(tfidf) if self.svd_ is not None else tfidf.toarray()
        return np.asarray(normalize(projected), dtype=np.float64)

    def _resolve_backend(self) -> Literal["tfidf", "embeddings"]:
        if self.backend == "embeddings" and not embeddings_available():
            raise ThemeInputError("the embeddings extra is not installed", field="backend")
        if self.backend == "embeddings" or (self.backend == "auto" and embeddings_available()):
            return "embeddings"
        return "tfidf"

    def _embed(self, texts: Sequence[str]) -> Floats:
        if getattr(self, "_encoder", None) is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is on disk; never fetch
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            self._encoder: Any = importlib.import_module(EMBEDDING_PACKAGE).load_model(device="cpu")
        return np.asarray(
            self._encoder.encode(list(texts), batch_size=64, normalize_embeddings=True),
            dtype=np.float64,
        )

    def _kmeans(self, k: int, n: int) -> KMeans | MiniBatchKMeans:
        if n > MINIBATCH_FROM:
            return MiniBatchKMeans(k, batch_size=4_096, n_init=3, random_state=self.random_state)
        return KMeans(k, n_init=4, random_state=self.random_state)

    def _choose_k(self, vectors: Floats, k_min: int, k_max: int) -> tuple[int, float | None]:
        """The k whose clusters of a sample are best separated (cosine silhouette)."""
        rng = np.random.default_rng(self.random_state)
        n = vectors.shape[0]
        sample = (
            vectors if n <= SAMPLE_FOR_K else vectors[rng.choice(n, SAMPLE_FOR_K, replace=False)]
        )
        # Rows are unit vectors: one cosine distance matrix serves every k.
        m = min(SAMPLE_FOR_SILHOUETTE, sample.shape[0])
        distances = np.clip(1.0 - sample[:m] @ sample[:m].T, 0.0, 2.0)
        np.fill_diagonal(distances, 0.0)
        best_k, best = k_min, -1.0
        for k in range(k_min, k_max + 1):
            if k >= sample.shape[0]:
                break
            labels = KMeans(k, n_init=2, random_state=self.random_state).fit_predict(sample)
            scored = labels[:m]
            if not 2 <= len(set(scored.tolist())) <= m - 1:
                continue
            score = float(silhouette_score(distances, scored, metric="precomputed"))
            if score > best + 1e-9:
                best_k, best = k, score
        return best_k, (best if best > -1.0 else None)

    def _renumber(self, labels: Labels) -> Labels:
        """Largest theme first; themes smaller than ``min_theme_size`` become unthemed."""
        ids, counts = np.unique(labels[labels >= 0], return_counts=True)
        order = [
            int(i)
            for i, c in sorted(zip(ids, counts, strict=True), key=lambda p: (-p[1], p[0]))
            if c >= self.min_theme_size
        ]
        self._old_label = np.asarray(order, dtype=np.int64)
        mapping = {old: new for new, old in enumerate(order)}
        return np.asarray([mapping.get(int(label), UNTHEMED) for label in labels], dtype=np.int64)

    def _describe(self, tfidf: Any) -> None:
        """Top terms (what sets each theme apart from the rest) and a signature per theme."""
        self.n_themes_ = len(self._old_label)
        self.sizes_ = np.bincount(self.labels_[self.labels_ >= 0], minlength=self.n_themes_)
        self.top_terms_, self.signatures_ = describe(
            tfidf, self.labels_, self.terms_, self.n_themes_, self.n_terms
        )

    # -- using a fitted model --------------------------------------------------------------

    def transform(self, texts: Sequence[str]) -> Any:
        """TF-IDF rows of new texts in the fitted vocabulary (sparse, L2-normalised)."""
        return self.vectorizer_.transform([normalise(t) for t in texts])

    def predict(self, texts: Sequence[str]) -> Labels:
        """The theme of each text, or ``UNTHEMED`` when it has no known words."""
        tfidf = self.transform(texts)
        labels = np.full(len(texts), UNTHEMED, dtype=np.int64)
        usable = np.flatnonzero(tfidf.getnnz(axis=1) > 0)
        if usable.size == 0:
            return labels
        vectors = self._project(
            tfidf[usable], [normalise(texts[int(i)]) for i in usable], fitting=False
        )
        raw = self.clusterer_.predict(vectors)
        new_of = {int(old): new for new, old in enumerate(self._old_label)}
        labels[usable] = [new_of.get(int(r), UNTHEMED) for r in raw]
        return labels

    def signature_scores(self, tfidf: Any, signatures: Sequence[dict[str, float]]) -> Floats:
        """Cosine of each TF-IDF row with each signature (terms outside the vocabulary drop)."""
        vocabulary = self.vectorizer_.vocabulary_
        rows, cols, vals = [], [], []
        for j, signature in enumerate(signatures):
            for term, weight in signature.items():
                col = vocabulary.get(term)
                if col is not None:
                    rows.append(col)
                    cols.append(j)
                    vals.append(float(weight))
        matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(vocabulary), len(signatures)))
        return np.asarray((tfidf @ normalize(matrix, axis=0)).toarray(), dtype=np.float64)


def describe(
    tfidf: Any,
    labels: Labels,
    terms: npt.NDArray[Any],
    n_themes: int,
    n_terms: int,
    signature_terms: int = 30,
) -> tuple[list[list[str]], list[dict[str, float]]]:
    """Per theme: the terms most over-represented in it, and its top-term signature."""
    overall = np.asarray(tfidf.mean(axis=0)).ravel()
    top: list[list[str]] = []
    signatures: list[dict[str, float]] = []
    for theme in range(n_themes):
        rows = np.flatnonzero(labels == theme)
        mean = np.asarray(tfidf[rows].mean(axis=0)).ravel() if rows.size else overall * 0
        lift = mean - overall
        order = np.argsort(-lift, kind="stable")
        chosen: list[str] = []
        for i in order:
            if mean[i] <= 0 or len(chosen) == n_terms:
                break
            term = str(terms[i])
            if any(term in c.split() or c in term.split() for c in chosen):
                continue  # "late" and "late delivery" name the same thing once
            chosen.append(term)
        top.append(chosen)
        best = np.argsort(-mean, kind="stable")[:signature_terms]
        weights = {str(terms[i]): float(mean[i]) for i in best if mean[i] > 0}
        norm = float(np.sqrt(sum(w * w for w in weights.values()))) or 1.0
        signatures.append({t: round(w / norm, 6) for t, w in weights.items()})
    return top, signatures


def theme_name(terms: Sequence[str]) -> str:
    """A readable default name from the top terms ("late · tracking · delivery")."""
    return " · ".join(terms[:3]) if terms else "unnamed theme"


def signature_cosine(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Cosine of two term-weight signatures (each stored L2-normalised)."""
    if not a or not b:
        return 0.0
    dot = sum(float(w) * float(b[t]) for t, w in a.items() if t in b)
    na = float(np.sqrt(sum(float(w) ** 2 for w in a.values())))
    nb = float(np.sqrt(sum(float(w) ** 2 for w in b.values())))
    return dot / (na * nb) if na and nb else 0.0
