"""The lexicons shipped with the package, loaded once with ``importlib.resources``."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

DATA_PACKAGE = "fairdesk.triage.data"


def read_json(name: str) -> dict[str, Any]:
    """Read one JSON file shipped in ``fairdesk/triage/data``."""
    text = resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@lru_cache(maxsize=1)
def abuse_lexicon() -> dict[str, Any]:
    return read_json("abuse.json")


@lru_cache(maxsize=1)
def signal_lexicon() -> dict[str, Any]:
    return read_json("signals.json")
