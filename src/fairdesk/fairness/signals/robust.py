"""Robust z-scores of a rate against peer groups: median and MAD instead of mean and SD.

A handful of extreme claimants would drag a mean and standard deviation toward themselves and
hide; the median and the median absolute deviation (MAD) ignore them. The modified z-score of
Iglewicz and Hoaglin is ``(x - median) / (1.4826 * MAD)``. Claim rates are mostly zero, so the
MAD is often zero too; then the mean absolute deviation scaled by 1.2533 stands in (the usual
fallback, same consistency for normal data). Both are proportional to the data, so the score
does not change when every rate is multiplied by the same positive number.

Each customer is compared with the peers of their own group (segment); a group with fewer
than ``min_peers`` members is too small to say what is normal, and its members are compared
with everyone instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
MAD_SCALE = 1.4826
MEAN_AD_SCALE = 1.253314
ALL = ""  # the group name used for "compared with everyone"


@dataclass(frozen=True)
class PeerScores:
    """Per value: its z-score, its peers' median, how many peers, and which group they were."""

    z: FloatArray
    median: FloatArray
    peers: npt.NDArray[np.int64]
    group: npt.NDArray[np.object_]


def _centre_scale(values: FloatArray) -> tuple[float, float]:
    median = float(np.median(values))
    deviation = np.abs(values - median)
    mad = float(np.median(deviation))
    if mad > 0:
        return median, MAD_SCALE * mad
    return median, MEAN_AD_SCALE * float(deviation.mean())


def robust_z(
    values: npt.ArrayLike,
    groups: Sequence[str | None] | npt.NDArray[np.object_],
    *,
    min_peers: int,
) -> PeerScores:
    """Robust z-score of each finite value within its group; NaN values get z = 0 and no peers.

    ``groups`` holds a name per value (``None`` or ``""``: no group, compared with everyone).
    A value equal to its peers' median always scores exactly 0.
    """
    x = np.asarray(values, dtype=np.float64)
    names = np.array(
        ["" if g is None else str(g) for g in np.asarray(groups, dtype=object)], dtype=object
    )
    if x.shape != names.shape:
        raise ValueError("values and groups must have the same length")
    z = np.zeros(x.size)
    median = np.full(x.size, np.nan)
    peers = np.zeros(x.size, dtype=np.int64)
    used = np.full(x.size, ALL, dtype=object)
    known = np.isfinite(x)
    if not known.any():
        return PeerScores(z, median, peers, used)
    codes_table, codes = np.unique(names[known], return_inverse=True)
    index = np.flatnonzero(known)
    sizes = np.bincount(codes, minlength=len(codes_table))
    small = sizes[codes] < min_peers
    members: list[tuple[str, npt.NDArray[np.intp]]] = [(ALL, index[small | (names[index] == ALL)])]
    for code, name in enumerate(codes_table):
        if name != ALL and sizes[code] >= min_peers:
            members.append((str(name), index[codes == code]))
    everyone = x[index]
    for name, rows in members:
        if rows.size == 0:
            continue
        centre, scale = _centre_scale(x[rows] if name != ALL else everyone)
        median[rows] = centre
        peers[rows] = rows.size if name != ALL else everyone.size
        used[rows] = name
        if scale > 0:
            z[rows] = (x[rows] - centre) / scale
    return PeerScores(z, median, peers, used)
