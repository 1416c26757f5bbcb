"""A seeded corpus of short customer comments with planted themes (for tests and bench).

Each comment mixes a few words of its theme with words every comment uses, in a random
order and with a random frame, so that no two comments need be alike: the grouping has to
find the theme from shared vocabulary, not from repeated sentences.
"""

from __future__ import annotations

import random

PLANTED: dict[str, tuple[str, ...]] = {
    "delivery": (
        "parcel",
        "courier",
        "late",
        "delivery",
        "tracking",
        "arrived",
        "days",
        "postman",
        "dispatch",
        "lost",
        "neighbour",
        "delayed",
    ),
    "billing": (
        "charged",
        "twice",
        "invoice",
        "refund",
        "payment",
        "billing",
        "card",
        "subscription",
        "duplicate",
        "bank",
        "overcharged",
        "receipt",
    ),
    "grinder": (
        "grinder",
        "motor",
        "burrs",
        "jammed",
        "broke",
        "noise",
        "stalls",
        "blade",
        "switch",
        "warranty",
        "repair",
        "faulty",
    ),
    "flavour": (
        "bitter",
        "stale",
        "roast",
        "flavour",
        "sour",
        "burnt",
        "aroma",
        "beans",
        "taste",
        "weak",
        "espresso",
        "acidic",
    ),
}
COMMON = (
    "very",
    "again",
    "really",
    "disappointed",
    "annoyed",
    "week",
    "today",
    "time",
    "shop",
    "service",
    "happened",
    "months",
    "customer",
    "look",
    "need",
    "help",
)
FRAMES = ("{}.", "Honestly, {}!", "{}. Please help.", "Hmm {}...", "{} - not good.",
          "Once more: {}.")  # fmt: skip


def planted_corpus(n: int, *, seed: int = 0, themes: int = 4) -> tuple[list[str], list[int]]:
    """``n`` comments and the planted theme index of each, drawn from a fixed seed."""
    rng = random.Random(seed)
    keys = list(PLANTED)[:themes]
    texts, truth = [], []
    for _ in range(n):
        label = rng.randrange(len(keys))
        words = rng.sample(PLANTED[keys[label]], rng.randint(2, 4))
        words += rng.sample(COMMON, rng.randint(1, 3))
        rng.shuffle(words)
        texts.append(rng.choice(FRAMES).format(" ".join(words)))
        truth.append(label)
    return texts, truth
