"""What every list page shares: parsing enum query values, and the pager with its links."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from fairdesk.errors import ValidationFailed

E = TypeVar("E", bound=StrEnum)


def choice(kind: type[E], raw: str, field: str) -> E | None:
    """An enum value from a query string; an unknown one is a 422 naming the field."""
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ValidationFailed(
            f"{field}: unknown value {raw!r}; use one of {allowed}", field=field
        ) from None


def window(page: int, pages: int, span: int = 2) -> list[int | None]:
    """First, last and the pages around the current one, with ``None`` for each gap."""
    shown = sorted({1, pages, *range(max(1, page - span), min(pages, page + span) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


@dataclass(frozen=True)
class Pager:
    """Where this page sits in the result, for "showing X–Y of N" and the page links."""

    page: int
    pages: int
    total: int
    first_row: int
    last_row: int
    window: list[int | None]  # page numbers to link, None where a gap is elided
