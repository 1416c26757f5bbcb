"""The customer's behavioural (RFM) segment, from :mod:`fairdesk.segments` when it has one.

A small seam so goodwill depends on one function, not on the segments package's internals.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from fairdesk.segments import service as segment_service


def segment_of(session: Session, customer_id: int) -> tuple[str, str] | None:
    """``(code, display name)`` of the customer's RFM segment, or ``None`` before any run."""
    score = segment_service.score_of(session, customer_id)
    if score is None:
        return None
    name, _description = segment_service.rfm_label(score.rfm_segment)
    return score.rfm_segment, name
