"""Synthesise a persona from a group of customers: pure, on ``Profiles``, no database.

Every field is derived from the members' data and says where it is uncertain: ages are a
range (the middle half), several locations or bands are listed when none dominates, and the
answers to the seed's questions ("what do they value in service", "business preferences",
"personal goals") are drawn from their values, lifestyle, interests, buying and ticket topics
through the phrase tables below. Nothing here is written by a person; the card marks each
field "from data" unless a manager has replaced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fairdesk.segments import describe
from fairdesk.segments.profiles import Profiles

MODEL_VERSION = "persona-synthesis-1"
SERVICE_VALUES = {
    "speed": "fast answers and quick delivery",
    "reliability": "orders that arrive when promised",
    "invoicing": "proper invoices without chasing",
    "convenience": "little effort: easy reorders and quick fixes",
    "consistency": "the same good experience every time",
    "quality": "knowledgeable answers about the product",
    "craft": "staff who know the craft behind the product",
    "freshness": "products that arrive fresh",
    "value for money": "fair prices and offers that are honoured",
    "discounts": "fair prices and offers that are honoured",
    "thoughtfulness": "gifts that arrive on time and look right",
    "presentation": "gifts that arrive on time and look right",
    "sustainability": "honesty about sourcing and packaging",
    "ethical sourcing": "honesty about sourcing and packaging",
    "experimentation": "advice on what to try next",
    "community": "a friendly, personal tone",
}
GOALS = {
    "urban professional": "a good start to a busy working day",
    "remote worker": "a better break when working from home",
    "commuter": "something reliable on a rushed morning",
    "parent": "a moment for themselves in a busy family life",
    "early riser": "a calm, unhurried first hour",
    "busy office": "keeping the team happy without extra admin",
    "student life": "getting through term on a budget",
    "night owl": "staying sharp late into the night",
    "weekend host": "impressing guests at home",
    "outdoorsy": "good things to take outdoors",
    "frequent traveller": "enjoying the same quality wherever they are",
    "homebody": "making home the best place to be",
    "budget living": "keeping spending under control",
    "festive celebrator": "thoughtful presents for the people they love",
    "specialty coffee": "discovering new origins and roasts",
    "espresso": "mastering espresso at home",
    "latte art": "mastering espresso at home",
    "brewing gear": "building the right set-up at home",
}
FIELDS = (
    "name", "portrait", "age_range", "locations", "household", "education", "income",
    "values", "interests", "personality", "lifestyle", "product_usage", "purchase_cadence",
    "spend", "preferred_channel", "ticket_topics", "quotes", "values_in_service",
    "business_preferences", "personal_goals",
)


@dataclass(frozen=True)
class Quote:
    text: str
    customer_id: int
    ticket_id: int


def _top(counts: dict[str, int], total: int, *, limit: int = 3, min_share: float = 0.1
         ) -> list[str]:
    """Levels with their share, most common first: ['GB (81 %)', 'IE (7 %)']."""
    ranked = sorted(((n, lvl) for lvl, n in counts.items() if lvl != "unknown"), reverse=True)
    out = [f"{describe.humanise(lvl)} ({n / total:.0%})" for n, lvl in ranked[:limit]
           if total and n / total >= min_share]
    return out or ["unknown"]


def _tags(members: Profiles, population: Profiles, field: str, limit: int = 4) -> list[str]:
    """The members' most characteristic tags: common among them and commoner than elsewhere."""
    mine, everyone = members.tags[field].counts(), population.tags[field].counts()
    n, total = len(members), len(population)
    scored = []
    for tag, count in mine.items():
        share = count / n
        lift = share / max(everyone.get(tag, count) / total, 1e-9)
        if share >= 0.15:
            scored.append((share * np.sqrt(lift), tag))
    return [tag for _, tag in sorted(scored, reverse=True)[:limit]] or ["unknown"]


def _name(members: Profiles) -> str:
    """The commonest first name among members of the commonest known gender."""
    gender = members.categorical["gender"]
    names = members.categorical["first_name"]
    known = gender.codes[gender.codes >= 0]
    rows = np.ones(len(members), dtype=bool)
    if known.size:
        rows = gender.codes == np.bincount(known).argmax()
    codes = names.codes[rows & (names.codes >= 0)]
    if codes.size == 0:
        return "Alex"
    return names.levels[int(np.bincount(codes).argmax())]


def _phrases(table: dict[str, str], tags: list[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        words = table.get(tag)
        if words and words not in out:
            out.append(words)
    return out


def synthesise(members: Profiles, population: Profiles, *, topics: list[tuple[str, int]],
               quotes: list[Quote], money: str = "") -> dict[str, Any]:
    """The derived fields of a persona for ``members`` (compared with ``population``);
    ``money`` prefixes amounts ("£")."""
    n = len(members)
    num = members.numeric
    cat = {k: v.counts() for k, v in members.categorical.items()}
    values = _tags(members, population, "values")
    interests = _tags(members, population, "interests")
    lifestyle = _tags(members, population, "lifestyle")
    lines = _tags(members, population, "product_lines")
    age = describe.age_range(num["age"]) or "unknown"
    households = num["household_size"][~np.isnan(num["household_size"])]
    household = "unknown"
    if households.size:
        lo, hi = np.percentile(households, [25, 75])
        size = f"{round(lo)}–{round(hi)}" if round(lo) != round(hi) else f"{round(lo)}"
        household = f"{size} {'person' if size == '1' else 'people'}"
    cadence = describe.cadence_of(num["cadence_days"], num["orders"]) or "unknown"
    buyers = num["orders"] > 0
    spend = "no purchases yet"
    if buyers.any():
        ratio = describe.spend_ratio(float(num["spend"].mean()),
                                     float(population.numeric["spend"].mean()))
        spend = (f"about {money}{np.median(num['avg_order_value'][buyers]):.0f} an order, "
                 f"{money}{np.median(num['spend'][buyers]):.0f} in total (median)"
                 + (f"; {ratio}" if ratio else ""))
    channels = _top(cat["preferred_channel"], n, limit=2)
    locations = _top(cat["country"], n, limit=3) + _top(cat["city"], n, limit=3, min_share=0.05)
    name = _name(members)
    usage = [f"uses it {u}" for u in _top(cat["usage_frequency"], n, limit=2, min_share=0.2)
             if u != "unknown"]
    usage += [f"buys {', '.join(lines)}"]
    usage += [f"attitude: {a}" for a in _top(cat["attitude"], n, limit=1, min_share=0.2)
              if a != "unknown"]
    topic_words = [f"{t} ({c})" for t, c in topics[:5]] or ["no tickets yet"]
    service = _phrases(SERVICE_VALUES, values) or [f"values {', '.join(values)}"]
    if topics:
        service.append(f"a quick, fair answer about {topics[0][0]} (their commonest topic)")
    goals = _phrases(GOALS, lifestyle + interests) or [f"interested in {', '.join(interests)}"]
    where = locations[0].split(" (")[0]
    portrait = (f"{name}, {age}, lives in {where}; values {', '.join(values[:2])}; "
                f"{cadence}; prefers {channels[0].split(' (')[0]}.")
    return {
        "name": name,
        "portrait": portrait,
        "age_range": age,
        "locations": locations,
        "household": household,
        "education": _top(cat["education"], n, limit=2),
        "income": _top(cat["income_band"], n, limit=2),
        "values": values,
        "interests": interests,
        "personality": _tags(members, population, "personality"),
        "lifestyle": lifestyle,
        "product_usage": usage,
        "purchase_cadence": cadence,
        "spend": spend,
        "preferred_channel": channels,
        "ticket_topics": topic_words,
        "quotes": [{"text": q.text, "customer_id": q.customer_id, "ticket_id": q.ticket_id}
                   for q in quotes] or [],
        "values_in_service": service,
        "business_preferences": [cadence, *usage[-2:], f"contact by {channels[0]}"],
        "personal_goals": goals,
        "unknown": {k: v for k, v in members.unknown_counts().items()
                    if v and k not in ("clv", "p_alive", "first_name")},
    }

