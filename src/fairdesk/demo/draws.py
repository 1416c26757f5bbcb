"""Seeded random streams and vectorised draws shared by the demo's generators.

Each part of the demo draws from its own stream, derived from the seed and a purpose name,
so adding a later part (tickets, surveys) never shifts the customers or orders an earlier
seed produced — and ``planted_kinds`` can recompute the kinds without drawing anything else.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from fairdesk.demo.kinds import Weights


def stream(seed: int, purpose: str) -> np.random.Generator:
    """An independent generator for one purpose; stable across runs and platforms."""
    return np.random.default_rng([seed, zlib.crc32(purpose.encode())])


def weight_matrix(
    weights: Sequence[Weights], vocabulary: Sequence[object], *, background: float = 0.0
) -> NDArray[np.float64]:
    """One row per kind, one column per word; ``background`` is added to every cell.

    A word missing from the vocabulary raises, so a typo in a kind cannot create a
    category of its own.
    """
    index = {str(word): i for i, word in enumerate(vocabulary)}
    matrix = np.full((len(weights), len(vocabulary)), background, dtype=np.float64)
    for row, kind_weights in enumerate(weights):
        for word, weight in kind_weights.items():
            if word not in index:
                raise KeyError(f"{word!r} is not in the vocabulary {sorted(index)}")
            matrix[row, index[word]] += weight
    return matrix


def categorical(
    rng: np.random.Generator, rows: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Draw one column index per row, with probability proportional to the row's weights."""
    cumulative = np.cumsum(rows, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(rows))
    passed = (u[:, None] > cumulative).sum(axis=1)
    chosen: NDArray[np.int64] = np.minimum(passed, rows.shape[1] - 1)  # guards rounding at 1.0
    return chosen


def tags(
    rng: np.random.Generator,
    rows: NDArray[np.float64],
    vocabulary: Sequence[str],
    counts: NDArray[np.int64],
) -> list[list[str]]:
    """Draw ``counts[i]`` distinct words for row ``i``, weighted, without replacement.

    Uses the Gumbel top-k trick: adding Gumbel noise to log-weights and keeping the k
    largest is exactly weighted sampling without replacement, for all rows at once.
    """
    with np.errstate(divide="ignore"):
        keys = np.log(rows) + rng.gumbel(size=rows.shape)
    order = np.argsort(-keys, axis=1, kind="stable")
    available = (rows > 0).sum(axis=1)
    return [
        [vocabulary[j] for j in order[i, : min(int(counts[i]), int(available[i]))]]
        for i in range(len(rows))
    ]


def subsets(
    rng: np.random.Generator, probabilities: NDArray[np.float64], vocabulary: Sequence[str]
) -> list[list[str]]:
    """Include each word independently with its row's probability (e.g. product lines)."""
    included = rng.random(probabilities.shape) < probabilities
    return [[vocabulary[int(j)] for j in np.flatnonzero(row)] for row in included]


def missing(rng: np.random.Generator, rate: float, size: int) -> NDArray[np.bool_]:
    """Which of ``size`` values go unrecorded, at ``rate``."""
    return rng.random(size) < rate

