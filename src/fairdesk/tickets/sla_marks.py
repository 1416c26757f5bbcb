"""Plain-words SLA markers for people: "breached 2 h ago", "due in 35 min", "SLA met".

Pure functions over a ticket's SLA columns, shared by the inbox rows and the ticket page so
both always say the same thing about the same ticket at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fairdesk.tickets.models import OPEN_STATUSES, Ticket, TicketStatus

DUE_SOON = timedelta(hours=2)  # the inbox's "due soon" window


class Tone(StrEnum):
    """How loudly a marker is drawn; also its CSS class suffix."""

    BREACHED = "breached"
    SOON = "soon"
    CALM = "calm"
    PAUSED = "paused"
    MET = "met"
    NONE = "none"


@dataclass(frozen=True)
class SlaMark:
    label: str
    tone: Tone
    due_at: datetime | None = None  # the deadline the label speaks about, if any


def span(delta: timedelta) -> str:
    """A duration a person reads at a glance: 35 min, 5 h, 3 d (rounded down, at least 1)."""
    minutes = max(1, int(abs(delta).total_seconds() // 60))
    if minutes < 90:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} d"


def deadline_mark(due: datetime | None, now: datetime, *, paused: bool = False) -> SlaMark:
    """The marker for one running deadline."""
    if due is None:
        return SlaMark("no SLA", Tone.NONE)
    if paused:
        return SlaMark("paused: waiting on the customer", Tone.PAUSED, due)
    if due < now:
        return SlaMark(f"breached {span(now - due)} ago", Tone.BREACHED, due)
    tone = Tone.SOON if due - now < DUE_SOON else Tone.CALM
    return SlaMark(f"due in {span(due - now)}", tone, due)


def next_mark(ticket: Ticket, now: datetime) -> SlaMark:
    """The one deadline that matters now: first response until answered, then resolution;
    for a solved ticket, whether its SLA was met."""
    if TicketStatus(ticket.status) not in OPEN_STATUSES:
        if ticket.first_response_breached or ticket.resolution_breached:
            return SlaMark("SLA breached", Tone.BREACHED)
        if ticket.resolution_due_at is None:
            return SlaMark("no SLA", Tone.NONE)
        return SlaMark("SLA met", Tone.MET)
    due = (
        ticket.first_response_due_at
        if ticket.first_responded_at is None
        else ticket.resolution_due_at
    )
    return deadline_mark(due, now, paused=ticket.sla_paused_at is not None)


def first_response_mark(ticket: Ticket, now: datetime) -> SlaMark:
    """First response: answered (in time or late) or its running deadline."""
    if ticket.first_responded_at is not None:
        late = ticket.first_response_breached
        return SlaMark(
            "answered late" if late else "answered in time",
            Tone.BREACHED if late else Tone.MET,
            ticket.first_response_due_at,
        )
    if TicketStatus(ticket.status) not in OPEN_STATUSES:
        return SlaMark("closed without a reply", Tone.NONE, ticket.first_response_due_at)
    return deadline_mark(ticket.first_response_due_at, now, paused=ticket.sla_paused_at is not None)


def resolution_mark(ticket: Ticket, now: datetime) -> SlaMark:
    """Resolution: solved (in time or late) or its running deadline."""
    if ticket.resolution_due_at is None:
        return SlaMark("no SLA", Tone.NONE)
    if TicketStatus(ticket.status) not in OPEN_STATUSES:
        late = ticket.resolution_breached
        return SlaMark(
            "resolved late" if late else "resolved in time",
            Tone.BREACHED if late else Tone.MET,
            ticket.resolution_due_at,
        )
    return deadline_mark(ticket.resolution_due_at, now, paused=ticket.sla_paused_at is not None)
