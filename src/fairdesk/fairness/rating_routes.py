"""API: an agent rates a resolved ticket's interaction (staff tokens only, never customers)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from fairdesk.auth.deps import ApiUser
from fairdesk.db.deps import DbSession
from fairdesk.fairness import ratings

router = APIRouter(tags=["fairness"])


class RatingIn(BaseModel):
    rating: int = Field(ge=1, le=5, description="1 = hostile toward staff … 5 = pleasant")
    note: str = Field(default="", max_length=ratings.NOTE_MAX)


class RatingOut(BaseModel):
    ticket_id: int
    customer_id: int
    staff_id: int | None
    rating: int
    note: str
    created_at: datetime


@router.post("/tickets/{ticket_id}/rating", status_code=201)
def rate_ticket(ticket_id: int, data: RatingIn, session: DbSession, user: ApiUser) -> RatingOut:
    """Rate the interaction of a resolved or closed ticket; rating again replaces it."""
    row = ratings.rate(session, ticket_id=ticket_id, staff=user, rating=data.rating, note=data.note)
    return RatingOut(
        ticket_id=row.ticket_id,
        customer_id=row.customer_id,
        staff_id=row.staff_id,
        rating=row.rating,
        note=row.note,
        created_at=row.created_at,
    )
