"""What a persona card shows: each field's value and whether it came from data or a person.

``view`` merges a persona's ``derived`` fields with a manager's ``edits`` (an edit wins), so
pages, the API and the PNG/PDF exports all show the same thing and mark every answer's source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fairdesk.personas.models import Persona

FROM_DATA = "data"
FROM_PERSON = "person"

# (field, label, question from the seed it answers or None), in card order
SECTIONS: tuple[tuple[str, tuple[tuple[str, str, str | None], ...]], ...] = (
    ("Who they are", (
        ("age_range", "Age", "How old is your perfect customer?"),
        ("locations", "Where", "Where is he/she located?"),
        ("household", "Household", None),
        ("education", "Education", None),
        ("income", "Income band", None),
    )),
    ("What drives them", (
        ("values", "Values", None),
        ("interests", "Interests", None),
        ("personality", "Personality", None),
        ("lifestyle", "Lifestyle", None),
    )),
    ("How they buy", (
        ("product_usage", "Product use", None),
        ("purchase_cadence", "Purchase cadence", None),
        ("spend", "Spend", None),
        ("preferred_channel", "Preferred channel", None),
    )),
    ("What they tell us", (
        ("ticket_topics", "Top ticket topics", None),
        ("quotes", "In their words", None),
    )),
    ("The seed's questions", (
        ("values_in_service", "What they value in service",
         "What do they value the most in terms of service?"),
        ("business_preferences", "Business preferences", "What are their business preferences?"),
        ("personal_goals", "Personal goals", "What are their personal goals?"),
    )),
)
EDITABLE = ("name", "portrait", *(f for _, rows in SECTIONS for f, _, _ in rows))
LIST_FIELDS = frozenset({
    "locations", "education", "income", "values", "interests", "personality", "lifestyle",
    "product_usage", "preferred_channel", "ticket_topics", "quotes", "values_in_service",
    "business_preferences", "personal_goals",
})


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    question: str | None
    value: Any  # str, or list of str (quotes: list of dicts with "text")
    source: str

    @property
    def lines(self) -> list[str]:
        """The value as display lines (quotes as their text)."""
        if isinstance(self.value, list):
            return [v["text"] if isinstance(v, dict) else str(v) for v in self.value]
        return [str(self.value)] if self.value not in (None, "") else []


def value_of(persona: Persona, key: str) -> tuple[Any, str]:
    if key in (persona.edits or {}):
        return persona.edits[key], FROM_PERSON
    return (persona.derived or {}).get(key), FROM_DATA


def display_name(persona: Persona) -> str:
    return str(value_of(persona, "name")[0] or f"Persona {persona.id}")


def view(persona: Persona) -> dict[str, Any]:
    """Name, portrait and sections of fields, each with its source."""
    name, name_source = value_of(persona, "name")
    portrait, portrait_source = value_of(persona, "portrait")
    sections = []
    for title, rows in SECTIONS:
        fields = []
        for key, label, question in rows:
            value, source = value_of(persona, key)
            fields.append(Field(key, label, question, value, source))
        sections.append((title, fields))
    return {
        "name": name or f"Persona {persona.id}", "name_source": name_source,
        "portrait": portrait or "", "portrait_source": portrait_source,
        "sections": sections,
        "unknown": (persona.derived or {}).get("unknown", {}),
    }


def parse_edit(key: str, raw: str) -> Any:
    """A form's text for a field: one item per line for list fields (quotes included)."""
    text = raw.strip()
    if key not in LIST_FIELDS:
        return " ".join(text.split())
    items = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return [{"text": i} for i in items] if key == "quotes" else items
