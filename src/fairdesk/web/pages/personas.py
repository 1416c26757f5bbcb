"""Persona pages: the gallery, one persona's card, a manager's edit form, PNG and PDF exports.

A thin layer over ``persona_service`` and ``personas.card``; every field on the card says
whether it came from the members' data or was entered by a person.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from fairdesk.auth.csrf import require_csrf
from fairdesk.auth.deps import ManagerPage, StaffPage
from fairdesk.db.deps import DbSession
from fairdesk.personas import card
from fairdesk.personas import service as persona_service
from fairdesk.personas.routes import exported
from fairdesk.segments import service as segment_service
from fairdesk.web.templating import flash, render

router = APIRouter()


@router.get("/personas")
def gallery(request: Request, session: DbSession, user: StaffPage) -> Response:
    personas = persona_service.list_personas(session)
    segments = {s.id: s for s in segment_service.list_segments(session, include_retired=True)}
    return render(request, "personas/gallery.html", {
        "items": [(p, card.view(p), segments.get(p.segment_id)) for p in personas],
        "targets": segment_service.list_segments(session, targets_only=True),
    })


@router.get("/personas/{persona_id:int}")
def persona_page(persona_id: int, request: Request, session: DbSession,
                 user: StaffPage) -> Response:
    persona = persona_service.get_persona(session, persona_id)
    return render(request, "personas/card.html", {
        "p": persona, "card": card.view(persona),
        "segment": segment_service.get_segment(session, persona.segment_id),
    })


@router.get("/personas/{persona_id:int}/edit")
def edit_form(persona_id: int, request: Request, session: DbSession,
              user: ManagerPage) -> Response:
    persona = persona_service.get_persona(session, persona_id)
    return render(request, "personas/edit.html", {
        "p": persona, "card": card.view(persona), "list_fields": card.LIST_FIELDS,
    })


@router.post("/personas/{persona_id:int}/edit", dependencies=[Depends(require_csrf)])
async def save_edits(persona_id: int, request: Request, session: DbSession,
                     user: ManagerPage) -> Response:
    """Fields whose text differs from the data become a person's answers; "revert_<field>"
    ticked clears the person's answer so the data shows again."""
    persona = persona_service.get_persona(session, persona_id)
    form = await request.form()
    edits: dict[str, Any] = {}
    for key in card.EDITABLE:
        if form.get(f"revert_{key}"):
            edits[key] = None
            continue
        raw = form.get(key)
        if not isinstance(raw, str):
            continue
        value = card.parse_edit(key, raw)
        current, _ = card.value_of(persona, key)
        if card.parse_edit(key, _as_text(current)) != value:
            edits[key] = value
    if edits:
        persona_service.edit_persona(session, persona_id, edits=edits, actor=user)
        flash(request, f"Saved {len(edits)} field(s); they are marked as entered by a person "
              "and survive recomputation.", "success")
    return RedirectResponse(f"/personas/{persona_id}", status_code=303)


def _as_text(value: Any) -> str:
    """A field's value as the edit form shows it: one line per item."""
    if isinstance(value, list):
        return "\n".join(v["text"] if isinstance(v, dict) else str(v) for v in value)
    return "" if value is None else str(value)


@router.get("/personas/{persona_id:int}.png")
def png(persona_id: int, session: DbSession, user: StaffPage) -> Response:
    return exported(session, persona_id, "png")


@router.get("/personas/{persona_id:int}.pdf")
def pdf(persona_id: int, session: DbSession, user: StaffPage) -> Response:
    return exported(session, persona_id, "pdf")
