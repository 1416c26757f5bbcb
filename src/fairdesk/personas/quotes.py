"""Pick 2–3 representative quotes from the customers' own ticket messages.

Representative means typical of what the group writes, not the loudest: messages become
TF-IDF vectors, and the ones closest (cosine) to the group's mean vector win, at most one per
customer, trimmed to a readable length at a sentence end where possible. Pure: the caller
fetches the messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from fairdesk.personas.synthesis import Quote

MAX_CHARS = 240
MIN_CHARS = 20
_SPACE = re.compile(r"\s+")
_QUOTED_REPLY = re.compile(r"^(>.*|On .+ wrote:)$", re.MULTILINE)


def clean(text: str) -> str:
    """The customer's own words: quoted replies dropped, whitespace folded, trimmed."""
    body = _SPACE.sub(" ", _QUOTED_REPLY.sub("", text)).strip()
    if len(body) <= MAX_CHARS:
        return body
    cut = body[:MAX_CHARS]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end >= MIN_CHARS else cut.rsplit(" ", 1)[0] + " …"


def representative(messages: list[Quote], *, k: int = 3) -> list[Quote]:
    """Up to ``k`` quotes from different customers, most typical first."""
    usable = [Quote(clean(m.text), m.customer_id, m.ticket_id) for m in messages]
    usable = [m for m in usable if len(m.text) >= MIN_CHARS]
    if len(usable) <= 1:
        return usable[:k]
    try:
        vectors = TfidfVectorizer(stop_words="english", min_df=1).fit_transform(
            [m.text for m in usable])
    except ValueError:  # only stop words: nothing to compare, keep the order given
        return _distinct(usable, range(len(usable)), k)
    centre = np.asarray(vectors.mean(axis=0)).ravel()
    norm = float(np.linalg.norm(centre)) or 1.0
    closeness = (vectors @ centre) / norm
    return _distinct(usable, np.argsort(-np.asarray(closeness).ravel(), kind="stable"), k)


def _distinct(quotes: list[Quote], order: Iterable[Any], k: int) -> list[Quote]:
    out: list[Quote] = []
    seen: set[int] = set()
    for i in order:
        quote = quotes[int(i)]
        if quote.customer_id in seen:
            continue
        seen.add(quote.customer_id)
        out.append(quote)
        if len(out) == k:
            break
    return out
