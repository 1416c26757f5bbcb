"""The public support form: anyone can write to the business, no account needed.

The message goes through ``intake.receive`` like every other channel and is committed before
the confirmation is shown (post, commit, redirect, then the acknowledgement from the session),
so a reference on screen always names a stored case. Bad input re-shows the form with each
problem named next to its field and everything typed kept. A filled honeypot field marks the
ticket ``spam-suspect`` but still stores it: a person with an over-eager form filler must never
lose their message. The portal link is only ever e-mailed, never shown here: whoever types an
address is not proven to own it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.db.deps import DbSession
from fairdesk.tickets.intake import Incoming, IncomingAttachment, receive
from fairdesk.tickets.models import IntakeChannel
from fairdesk.tickets.schemas import MAX_BODY_CHARS
from fairdesk.web.templating import render

router = APIRouter()

MAX_FILES = 5
HONEYPOT = "website"  # hidden from people; bots fill every field they find
SPAM_TAG = "spam-suspect"
SESSION_KEY = "support_ack"
FIELD_LABELS = {
    "name": "Name",
    "email": "E-mail",
    "subject": "Subject",
    "body": "Message",
    "order_number": "Order number",
    "attachments": "Attachments",
}


class SupportMessage(BaseModel):
    """The form's rules, so the page and any later channel agree on what is acceptable."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=240)
    email: EmailStr
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=MAX_BODY_CHARS)
    order_number: str = Field(default="", max_length=128)


@dataclass
class FormState:
    """What the person typed, echoed back into the form on a refusal."""

    name: str = ""
    email: str = ""
    subject: str = ""
    body: str = ""
    order_number: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    had_files: bool = False  # a browser cannot refill a file input: ask to attach again


def _errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "form"
        message = {
            "string_too_short": "this is required",
            "value_error": "enter an address such as name@example.com",  # EmailStr only
        }.get(err["type"], err["msg"])
        out.setdefault(name, message[0].lower() + message[1:] if message else message)
    return out


async def read_uploads(
    uploads: list[UploadFile], limit: int
) -> tuple[list[IncomingAttachment], list[str]]:
    """Attachments within the size limit, and plain-words notes on the ones refused."""
    kept: list[IncomingAttachment] = []
    refused: list[str] = []
    for up in uploads:
        if not up.filename:
            continue  # an empty file input
        data = await up.read(limit + 1)
        if len(data) > limit:
            refused.append(f"{up.filename} (larger than the {limit / 2**20:g} MB limit)")
            continue
        kept.append(
            IncomingAttachment(up.filename, up.content_type or "application/octet-stream", data)
        )
    return kept, refused


@router.get("/support")
def support_page(request: Request) -> Response:
    return render(
        request,
        "support/form.html",
        {"form": FormState(), "labels": FIELD_LABELS, "max_files": MAX_FILES},
    )


@router.post("/support", dependencies=[Depends(require_csrf)])
async def submit(
    request: Request,
    session: DbSession,
    name: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    subject: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    order_number: Annotated[str, Form()] = "",
    website: Annotated[str, Form()] = "",
    attachments: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    uploads = [u for u in attachments or [] if u.filename]
    state = FormState(
        name=name,
        email=email,
        subject=subject,
        body=body,
        order_number=order_number,
        had_files=bool(uploads),
    )
    try:
        data = SupportMessage.model_validate(
            {k: v for k, v in asdict(state).items() if k in SupportMessage.model_fields}
        )
    except ValidationError as exc:
        state.errors = _errors(exc)
    if len(uploads) > MAX_FILES:
        state.errors["attachments"] = f"attach at most {MAX_FILES} files"
    if state.errors:
        return render(
            request,
            "support/form.html",
            {"form": state, "labels": FIELD_LABELS, "max_files": MAX_FILES},
            status_code=422,
        )
    kept, refused = await read_uploads(uploads, request.app.state.settings.attachment_max_bytes)
    result = receive(
        session,
        Incoming(
            channel=IntakeChannel.WEB,
            body=data.body,
            subject=data.subject,
            email=data.email,
            name=data.name,
            order_external_id=data.order_number or None,
            attachments=kept,
            tags=[SPAM_TAG] if website.strip() else [],
        ),
    )
    refused += result.rejected_attachments
    meta = dict(result.message.meta or {})
    if data.order_number:
        meta["order_number"] = data.order_number  # kept even when it matches no order of theirs
    if refused:
        meta["rejected_attachments"] = refused
    result.message.meta = meta
    request.session[SESSION_KEY] = {
        "reference": result.ticket.reference,
        "acknowledgement": result.acknowledgement,
        "refused": refused,
    }
    return RedirectResponse("/support/thanks", status_code=303)


@router.get("/support/thanks")
def thanks(request: Request) -> Response:
    # Kept in the session (not popped) so a reload still shows the reference.
    ack = request.session.get(SESSION_KEY)
    if not isinstance(ack, dict):  # opened directly: nothing to confirm
        return RedirectResponse("/support", status_code=303)
    return render(request, "support/thanks.html", {"ack": ack})
