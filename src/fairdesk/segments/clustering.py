"""Data-driven segments: k-means on the encoded profiles, k chosen by silhouette.

Pipeline: ``FeatureEncoder`` (mixed data → weighted numbers) → PCA to a few components
(denoises the many sparse one-hot and tag columns; distances are computed there) → k-means.

**Criterion for the number of clusters** (stated on every run): for each k in ``k_range``,
k-means (several starts) on a random sample of up to ``sample_size`` customers; the mean
silhouette of a random sub-sample of up to ``silhouette_size`` of them; the k with the highest
silhouette wins, the smaller k on a tie (within 0.005). The chosen centres then seed one
k-means pass over everyone. Deterministic for a given ``random_state``.

k-means runs on ``threads`` threads (default one): scikit-learn's OpenMP workers spin while
they wait, and on a busy two-core machine two of them took five times as long as one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from fairdesk.segments.encoding import FeatureEncoder, Matrix
from fairdesk.segments.profiles import Profiles

MODEL_VERSION = "kmeans-silhouette-1"
LabelArray = npt.NDArray[np.int64]
TIE = 0.005


class TooFewToCluster(ValueError):
    """Raised with a plain explanation when the data cannot support even two clusters."""


class SegmentClusterer:
    def __init__(
        self,
        *,
        k_range: tuple[int, int] = (2, 10),
        n_components: int = 10,
        sample_size: int = 20_000,
        silhouette_size: int = 4_000,
        min_cluster_size: int = 10,
        n_init: int = 4,
        random_state: int = 0,
        threads: int = 1,
        encoder: FeatureEncoder | None = None,
    ) -> None:
        self.k_range = k_range
        self.n_components = n_components
        self.sample_size = sample_size
        self.silhouette_size = silhouette_size
        self.min_cluster_size = min_cluster_size
        self.n_init = n_init
        self.random_state = random_state
        self.threads = threads
        self.encoder = encoder or FeatureEncoder()
        self.model_version = MODEL_VERSION

    @property
    def criterion(self) -> str:
        lo, hi = self.k_range
        return (f"highest mean silhouette, k = {lo}…{hi}, k-means on a sample of up to "
                f"{self.sample_size:,} customers in {self.n_components} PCA components, "
                f"silhouette on up to {self.silhouette_size:,} of them; ties (within {TIE}) "
                "go to the smaller k")

    def max_k(self, n: int) -> int:
        """The largest k the data supports: every cluster needs ``min_cluster_size`` members."""
        return min(self.k_range[1], n // self.min_cluster_size)

    def fit(self, profiles: Profiles) -> SegmentClusterer:
        with threadpool_limits(limits=self.threads):
            return self._fit(profiles)

    def _fit(self, profiles: Profiles) -> SegmentClusterer:
        n = len(profiles)
        k_hi = self.max_k(n)
        if k_hi < max(2, self.k_range[0]):
            raise TooFewToCluster(
                f"clustering needs at least {2 * self.min_cluster_size} customers "
                f"({self.min_cluster_size} per cluster, two clusters at least); there are {n}")
        rng = np.random.default_rng(self.random_state)
        self.encoder.fit(profiles)
        sample = np.sort(rng.choice(n, size=min(n, self.sample_size), replace=False))
        x = self.encoder.transform(profiles.take(sample))
        components = max(1, min(self.n_components, x.shape[1], x.shape[0] - 1))
        self.pca_ = PCA(n_components=components, random_state=self.random_state).fit(x)
        z = self.pca_.transform(x).astype(np.float32)
        scored = rng.choice(z.shape[0], size=min(z.shape[0], self.silhouette_size),
                            replace=False)
        self.silhouette_by_k_: dict[int, float] = {}
        centres: dict[int, Matrix] = {}
        for k in range(max(2, self.k_range[0]), k_hi + 1):
            km = KMeans(k, n_init=self.n_init, random_state=self.random_state).fit(z)
            labels = km.labels_[scored]
            if len(set(labels.tolist())) < 2:
                continue
            self.silhouette_by_k_[k] = float(silhouette_score(z[scored], labels))
            centres[k] = km.cluster_centers_.astype(np.float32)
        if not self.silhouette_by_k_:
            raise TooFewToCluster("the customers are too alike to form two distinct groups")
        best = max(self.silhouette_by_k_.values())
        self.k_ = min(k for k, s in self.silhouette_by_k_.items() if s >= best - TIE)
        self.silhouette_ = self.silhouette_by_k_[self.k_]
        self.centres_ = centres[self.k_]
        return self

    def reduce(self, profiles: Profiles) -> Matrix:
        """Coordinates in the fitted PCA space, computed slice by slice."""
        parts = [self.pca_.transform(x).astype(np.float32)
                 for x in self.encoder.transform_chunks(profiles)]
        return np.vstack(parts) if parts else np.zeros((0, self.pca_.n_components_), np.float32)

    def refine(self, z: Matrix) -> LabelArray:
        """One k-means over everyone, seeded with the sample's centres; updates the centres."""
        with threadpool_limits(limits=self.threads):
            km = KMeans(self.k_, init=self.centres_, n_init=1,
                        random_state=self.random_state).fit(z)
        self.centres_ = km.cluster_centers_.astype(np.float32)
        return self.predict_reduced(z)

    def predict_reduced(self, z: Matrix) -> LabelArray:
        out = np.empty(z.shape[0], dtype=np.int64)
        for start in range(0, z.shape[0], 200_000):
            block = z[start:start + 200_000]
            d = ((block[:, None, :] - self.centres_[None, :, :]) ** 2).sum(axis=2)
            out[start:start + 200_000] = d.argmin(axis=1)
        return out

    def predict(self, profiles: Profiles) -> LabelArray:
        return self.predict_reduced(self.reduce(profiles))
