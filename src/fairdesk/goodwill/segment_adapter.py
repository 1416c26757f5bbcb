"""The customer's behavioural (RFM) segment, from :mod:`fairdesk.segments` when it has one.

A small seam so goodwill depends on one column and one naming function, not on the segments
package's internals: the facts query joins :data:`JOIN` and selects :data:`SEGMENT`.
"""

from __future__ import annotations

from typing import Any

from fairdesk.segments import service as segment_service
from fairdesk.segments.models import CustomerScore
from fairdesk.tickets.models import Ticket

SEGMENT = CustomerScore.rfm_segment
# Outer-join target and condition: a customer has no score before the first segments run.
JOIN: tuple[Any, Any] = (CustomerScore, CustomerScore.customer_id == Ticket.customer_id)


def named(code: str | None) -> tuple[str, str] | None:
    """``(code, display name)`` of a stored RFM segment code, or ``None`` before any run."""
    if code is None:
        return None
    name, _description = segment_service.rfm_label(code)
    return code, name
