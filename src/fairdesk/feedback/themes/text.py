"""Text preparation for themes: the customer's own words, without markup or quoted mail.

HTML a customer typed is stored as typed and shown escaped; for grouping, tags are dropped and
entities decoded so that ``<b>late</b>`` counts as "late". Quoted e-mail replies are dropped
(they repeat the business's own words). Words of the abuse lexicon never become theme terms:
an insult is not a theme, and a theme's name must be safe to show to any member of staff.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from fairdesk.personas.quotes import clean
from fairdesk.triage.lexicon import abuse_lexicon
from fairdesk.triage.text import fold

_TAG = re.compile(r"<[^>]{0,500}>")
_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]+")
_QUOTED_REPLY = re.compile(r"^(>.*|On .+ wrote:)$", re.MULTILINE)
# Words of three letters or more; digits and order numbers say nothing about a theme.
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"
# Words every support text shares; they would only blur the themes.
DOMAIN_STOP_WORDS = frozenset(
    {"hello", "thanks", "thank", "please", "hi", "regards", "cheers", "dear", "order", "orders",
     "just", "got", "get", "would", "could", "really", "also", "still", "one", "two",
     # what is left of "hasn't", "didn't" … once the apostrophe splits the word
     "hasn", "haven", "hadn", "didn", "doesn", "isn", "wasn", "aren", "weren", "shouldn",
     "wouldn", "couldn", "won", "don", "can", "ll", "ve"}
)  # fmt: skip


def normalise(text: str) -> str:
    """What the grouping reads: tags dropped, entities decoded, quotes and links removed."""
    body = _QUOTED_REPLY.sub("", text[:20_000])
    body = html.unescape(_TAG.sub(" ", body))
    body = _URL.sub(" ", body)
    return _SPACE.sub(" ", fold(body)).strip()


def quotable(text: str) -> str:
    """A readable excerpt of the text as the customer wrote it (shown escaped, never parsed)."""
    return clean(text)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """English stop words, the support words above and every one-word abuse term."""
    terms = abuse_lexicon()["terms"]
    abusive = {word for words in terms.values() for word in words if _WORD.fullmatch(word)}
    return frozenset(ENGLISH_STOP_WORDS) | DOMAIN_STOP_WORDS | abusive
