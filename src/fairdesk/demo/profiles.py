"""Who each demo customer is: contact details and the four segmentation criteria.

Fields are drawn per kind from ``kinds.py`` and then some are blanked at random — at rates
that do not depend on the kind, as in real sign-up data — so that segmentation and personas
have to cope with unknowns; a few customers keep nothing but their tags.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fairdesk.customers.models import Channel
from fairdesk.demo import vocab
from fairdesk.demo.draws import categorical, missing, subsets, tags, weight_matrix
from fairdesk.demo.kinds import KIND_SPECS, Kind

# Share of customers for whom each field is unknown; the tags-only customers, an unknown
# country (which blanks region and city) and empty product-line draws add a little more.
MISSING_RATES: dict[str, float] = {
    "birth_year": 0.11, "gender": 0.07, "country": 0.05, "region": 0.06, "city": 0.05,
    "education": 0.12, "income_band": 0.12, "household_size": 0.10, "usage_frequency": 0.09,
    "attitude": 0.09, "values": 0.06, "interests": 0.08, "personality": 0.11,
    "lifestyle": 0.07, "product_lines": 0.03,
}
TAG_FIELDS = ("values", "interests", "personality", "lifestyle", "product_lines")
TAGS_ONLY_SHARE = 0.02  # customers whose only known criteria are their tags
TAG_BACKGROUND = 0.15  # weight every tag gets in every kind, so kinds overlap
TAG_COUNT_WEIGHTS = (0.3, 0.45, 0.25)  # one, two or three tags per field
PHONE_SHARE = 0.65  # of GB customers; Ofcom's drama range keeps the numbers fictional
WORK_DOMAIN = "example.org"
HOME_DOMAIN = "example.com"


def draw_profiles(
    rng: np.random.Generator, kind_index: NDArray[np.int64], *, year: int
) -> list[dict[str, Any]]:
    """Customer rows (without timestamps or lifecycle status), one per entry of kind_index."""
    n = len(kind_index)
    profiles = [spec.profile for spec in KIND_SPECS]

    def column(field: str, words: tuple[Any, ...]) -> list[Any]:
        rows = weight_matrix([getattr(p, field) for p in profiles], words)[kind_index]
        return [words[j] for j in categorical(rng, rows)]

    def tag_column(field: str, words: tuple[str, ...]) -> list[list[str]]:
        rows = weight_matrix([getattr(p, field) for p in profiles], words,
                             background=TAG_BACKGROUND)[kind_index]
        counts = 1 + rng.choice(3, size=n, p=TAG_COUNT_WEIGHTS)
        return tags(rng, rows, words, counts)

    lows, highs = (np.array([p.age_range[i] for p in profiles])[kind_index] for i in (0, 1))
    age_mean = np.array([p.age_mean for p in profiles])[kind_index]
    age_sd = np.array([p.age_sd for p in profiles])[kind_index]
    age = np.clip(rng.normal(age_mean, age_sd), lows, highs)
    line_use = weight_matrix([p.product_lines for p in profiles], vocab.PRODUCT_LINES)
    households = np.array([p.household for p in profiles])[kind_index]
    fields: dict[str, list[Any]] = {
        "birth_year": [year - round(a) for a in age],
        "gender": column("gender", vocab.GENDERS),
        "country": column("country", vocab.COUNTRIES),
        "education": column("education", vocab.EDUCATION),
        "income_band": column("income", vocab.INCOME_BANDS),
        "household_size": [vocab.HOUSEHOLD_SIZES[j] for j in categorical(rng, households)],
        "usage_frequency": column("usage", vocab.USAGE_FREQUENCIES),
        "attitude": column("attitude", vocab.ATTITUDES),
        "preferred_channel": column("channel", vocab.CHANNELS),
        "values": tag_column("values", vocab.VALUES),
        "interests": tag_column("interests", vocab.INTERESTS),
        "personality": tag_column("personality", vocab.PERSONALITY),
        "lifestyle": tag_column("lifestyle", vocab.LIFESTYLE),
        "product_lines": subsets(rng, line_use[kind_index], vocab.PRODUCT_LINES),
    }
    in_city = rng.random(n) < np.array([p.city_share for p in profiles])[kind_index]
    place_draw, first_draw, last_draw, sex_draw = rng.random((4, n))
    marketing = rng.random(n) < np.array([p.marketing_consent for p in profiles])[kind_index]
    email_consent = rng.random(n) < 0.95
    has_phone = rng.random(n) < PHONE_SHARE
    phone_suffix = rng.integers(0, 1000, n)
    home_domain = rng.random(n) < 0.85
    blank = {name: missing(rng, rate, n) for name, rate in MISSING_RATES.items()}
    tags_only = missing(rng, TAGS_ONLY_SHARE, n)

    customers = []
    for i in range(n):
        country = fields["country"][i]
        places = vocab.PLACES[country]
        town_list = places.cities if in_city[i] else places.towns
        place = town_list[int(place_draw[i] * len(town_list))]
        names = vocab.NAMES[country]
        female = fields["gender"][i] == "female" or (
            fields["gender"][i] != "male" and sex_draw[i] < 0.5
        )
        given = names.female if female else names.male
        first = given[int(first_draw[i] * len(given))]
        last = names.last[int(last_draw[i] * len(names.last))]
        work = KIND_SPECS[kind_index[i]].kind is Kind.OFFICE_MANAGER or not home_domain[i]
        phone = f"+44 7700 900{phone_suffix[i]:03d}" if country == "GB" and has_phone[i] else None
        row: dict[str, Any] = {
            "external_id": external_customer_id(i + 1),
            "first_name": first,
            "last_name": last,
            "email": f"{_slug(first)}.{_slug(last)}.{i + 1}@"
                     f"{WORK_DOMAIN if work else HOME_DOMAIN}",
            "phone": phone,
            "preferred_channel": _reachable(Channel(fields["preferred_channel"][i]), phone),
            "consent_email": bool(email_consent[i]),
            "consent_marketing": bool(marketing[i]),
            "region": place.region,
            "city": place.city,
        }
        for name, values in fields.items():
            row.setdefault(name, values[i])
        _blank_unknowns(row, {name: bool(mask[i]) for name, mask in blank.items()},
                        tags_only=bool(tags_only[i]))
        customers.append(row)
    return customers


def external_customer_id(number: int) -> str:
    return f"C{number:06d}"


def _reachable(channel: Channel, phone: str | None) -> Channel:
    """Nobody prefers a phone or text channel the business has no number for."""
    if phone is None and channel in (Channel.PHONE, Channel.SMS):
        return Channel.EMAIL
    return channel


def _blank_unknowns(row: dict[str, Any], blank: dict[str, bool], *, tags_only: bool) -> None:
    for name, is_blank in blank.items():
        if name in TAG_FIELDS:
            if is_blank:
                row[name] = []
        elif is_blank or tags_only:
            row[name] = None
    if row["country"] is None:  # a town without its country would be a guess
        row["region"] = row["city"] = None


def _slug(name: str) -> str:
    """ASCII e-mail local part from a name: 'Siobhán' → 'siobhan', 'de Jong' → 'de-jong'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = "".join(c for c in ascii_name.lower() if c.isalnum() or c == " ").split()
    return "-".join(words)
