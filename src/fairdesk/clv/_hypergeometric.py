"""Logarithm of the Gauss hypergeometric series for the rare arguments where SciPy overflows.

``scipy.special.hyp2f1`` returns the value, not its logarithm, so with parameters in the
hundreds and ``z`` near 1 it overflows to inf even when the quantity BG/NBD needs (the series
times a power that underflows) is a modest number. Summing the series term by term in
log-space never overflows; it is slower, so only rows where the closed form came out
non-finite use it. The number of terms needed is estimated up front and capped; beyond the cap
(``z`` within about 1e-4 of 1 with large parameters) the answer is NaN, which the prediction
methods turn into a clear error.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from fairdesk.clv.errors import ClvError

_CHUNK = 4096
_MAX_TERMS = 400_000
#: Stop once the next term is below exp(-40) ~ 4e-18 of the sum and the terms are shrinking.
_NEGLIGIBLE = 40.0


def log_hyp2f1(a: float, b: float, c: float, z: float) -> float:
    """``log 2F1(a, b; c; z)`` for ``a, b, c > 0`` and ``0 <= z < 1`` (all terms positive);
    NaN when the series has not converged within the term cap."""
    if not (a > 0 and b > 0 and c > 0 and 0 <= z < 1):
        raise ClvError(f"log_hyp2f1 needs a, b, c > 0 and 0 <= z < 1, got {a}, {b}, {c}, {z}")
    if z == 0:
        return 0.0
    # Terms grow until k ~ (b z - c) / (1 - z) (for a = 1), then shrink by about z per term.
    if max(0.0, (b * z - c) / (1 - z)) + _NEGLIGIBLE / (1 - z) > _MAX_TERMS:
        return float("nan")
    log_z = np.log(z)
    log_sum = 0.0
    log_term = 0.0
    for start in range(0, _MAX_TERMS, _CHUNK):
        k = np.arange(start, start + _CHUNK, dtype=np.float64)
        log_ratio = np.log(a + k) + np.log(b + k) - np.log(c + k) - np.log1p(k) + log_z
        log_terms = log_term + np.cumsum(log_ratio)
        log_sum = float(np.logaddexp(log_sum, logsumexp(log_terms)))
        log_term = float(log_terms[-1])
        if log_ratio[-1] < 0 and log_term < log_sum - _NEGLIGIBLE:
            return log_sum
    return float("nan")
