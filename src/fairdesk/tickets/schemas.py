"""Pydantic shapes for ticket intake and the tickets API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from fairdesk.tickets.models import IntakeChannel, MessageKind, Priority, TicketStatus

MAX_BODY_CHARS = 200_000


class TicketCustomer(BaseModel):
    """Who writes: an existing customer by id or external id, or anyone by e-mail."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: int | None = Field(default=None, gt=0)
    external_id: str | None = Field(default=None, min_length=1, max_length=128)
    email: EmailStr | None = None
    name: str | None = Field(default=None, max_length=240)

    @model_validator(mode="after")
    def _one_identity(self) -> TicketCustomer:
        if self.id is None and self.external_id is None and self.email is None:
            raise ValueError("give the customer's id, external_id or email")
        return self


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customer: TicketCustomer
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    priority: Priority = Priority.NORMAL
    category: str | None = Field(default=None, max_length=40)
    tags: list[str] = Field(default_factory=list, max_length=20)
    order_external_id: str | None = Field(default=None, max_length=128)


class ReplyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    internal: bool = Field(default=False, description="An internal note, never sent")


class TicketUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: TicketStatus | None = None
    priority: Priority | None = None
    assignee_id: int | None = None
    category: str | None = Field(default=None, max_length=40)


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: MessageKind
    channel: IntakeChannel
    body: str
    created_at: datetime
    author_staff_id: int | None
    masked: bool = Field(
        default=False, description="abusive words are hidden in body; ?reveal=1 shows them"
    )


class TicketOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    customer_id: int
    channel: IntakeChannel
    subject: str
    status: TicketStatus
    priority: Priority
    category: str | None
    tags: list[str]
    assignee_id: int | None
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_responded_at: datetime | None
    resolved_at: datetime | None
    first_response_breached: bool | None
    resolution_breached: bool | None
    created_at: datetime


class TicketCreated(TicketOut):
    """The acknowledgement: the reference and the response time the SLA promises."""

    acknowledgement: str
