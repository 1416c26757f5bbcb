"""Plain-language building blocks shared by cluster explanations and personas.

Each function turns one measure of a group of customers into words a manager reads at a
glance ("mostly 25–34", "buys every 3 weeks", "3× average spend"), and says so when the data
is unknown instead of guessing.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

AGE_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 18, "under 18"), (18, 25, "18–24"), (25, 35, "25–34"), (35, 45, "35–44"),
    (45, 55, "45–54"), (55, 65, "55–64"), (65, 200, "65+"),
)
FIELD_PHRASES: dict[str, str] = {
    "gender": "mostly {level}",
    "country": "mostly in {level}",
    "region": "mostly in {level}",
    "city": "often in {level}",
    "education": "{level} education",
    "income_band": "income {level}",
    "usage_frequency": "uses coffee {level}",
    "attitude": "{level}",
    "preferred_channel": "prefers {level}",
    "lifecycle_status": "{level}",
    "values": "values {tags}",
    "interests": "into {tags}",
    "personality": "{tags}",
    "lifestyle": "{tags}",
    "product_lines": "buys {tags}",
}
GENDER_WORDS = {"female": "women", "male": "men", "nonbinary": "non-binary people",
                "undisclosed": "people who did not say"}


def humanise(level: str) -> str:
    """'price_sensitive' → 'price sensitive', '40k_70k' → '40k–70k', 'under_20k' → 'under 20k'."""
    if level[:1].isdigit() and "_" in level:
        return level.replace("_", "–")
    return level.replace("_", " ")


def phrase(field: str, levels: list[str]) -> str:
    words = [GENDER_WORDS.get(v, v) if field == "gender" else humanise(v) for v in levels]
    template = FIELD_PHRASES.get(field, field.replace("_", " ") + ": {level}")
    joined = ", ".join(words)
    return template.format(level=joined, tags=joined)


def age_band(ages: FloatArray) -> str | None:
    """'mostly 25–34' when one band holds 40 %, 'mostly 25–44' when two neighbours hold 60 %,
    else the interquartile range; None when no age is known."""
    known = ages[~np.isnan(ages)]
    if known.size == 0:
        return None
    shares = np.array([((known >= lo) & (known < hi)).mean() for lo, hi, _ in AGE_BANDS])
    top = int(shares.argmax())
    if shares[top] >= 0.4:
        return f"mostly {AGE_BANDS[top][2]}"
    pair = max(range(len(shares) - 1), key=lambda i: shares[i] + shares[i + 1])
    if shares[pair] + shares[pair + 1] >= 0.6:
        lo, hi = AGE_BANDS[pair][0], AGE_BANDS[pair + 1][1]
        return f"mostly {lo}–{hi - 1}" if hi < 200 else f"mostly {lo}+"
    return f"aged {age_range(known)}"


def age_range(ages: FloatArray) -> str | None:
    """The middle half of known ages, '31–42' (a range, since one age would be a guess)."""
    known = ages[~np.isnan(ages)]
    if known.size == 0:
        return None
    lo, hi = np.percentile(known, [25, 75])
    return f"{round(lo)}–{round(hi)}" if round(lo) != round(hi) else f"about {round(lo)}"


def cadence(days: float) -> str:
    """A typical gap between orders in words."""
    if days < 10:
        return "buys weekly"
    if days < 21:
        return "buys every two weeks"
    if days < 45:
        weeks = round(days / 7)
        return "buys monthly" if weeks >= 4 else f"buys every {weeks} weeks"
    if days < 120:
        return f"buys every {round(days / 30.4)} months"
    if days < 250:
        return "buys a few times a year"
    return "buys about once a year"


def cadence_of(cadence_days: FloatArray, orders: FloatArray) -> str | None:
    """Cadence of a group: the median gap of its repeat buyers, or 'one-off buyers'."""
    if orders.size == 0:
        return None
    buyers = orders > 0
    if not buyers.any():
        return "no purchases yet"
    repeat = ~np.isnan(cadence_days) & (orders > 1)
    if repeat.sum() < 0.3 * buyers.sum():
        return "mostly one-off buyers"
    return cadence(float(np.median(cadence_days[repeat])))


def spend_ratio(group_mean: float, overall_mean: float) -> str | None:
    """'3× average spend' or 'a third of average spend'; None when close to average."""
    if overall_mean <= 0:
        return None
    ratio = group_mean / overall_mean
    if ratio >= 1.5:
        return f"{ratio:.1f}× average spend" if ratio < 3 else f"{ratio:.0f}× average spend"
    if ratio <= 2 / 3:
        if ratio < 0.05:
            return "spends almost nothing"
        return f"{ratio:.1f}× average spend"
    return None
