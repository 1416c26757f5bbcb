"""REST endpoints for personas and their card exports (under /api/v1)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.responses import Response

from fairdesk.auth.deps import ApiManager, ApiUser
from fairdesk.db.deps import DbSession
from fairdesk.personas import card, export
from fairdesk.personas import service as persona_service
from fairdesk.personas.models import Persona
from fairdesk.personas.schemas import PersonaEdit, PersonaField, PersonaOut
from fairdesk.segments import service as segment_service

router = APIRouter(tags=["personas"])


def persona_out(persona: Persona) -> PersonaOut:
    shown = card.view(persona)
    fields = [PersonaField(key=f.key, label=f.label, question=f.question, value=f.value,
                           source=f.source)
              for _, section in shown["sections"] for f in section]
    return PersonaOut(
        id=persona.id, segment_id=persona.segment_id, slot=persona.slot,
        status=str(persona.status), note=persona.note, member_count=persona.member_count,
        computed_at=persona.computed_at, model_version=persona.model_version,
        name=shown["name"], name_source=shown["name_source"], portrait=shown["portrait"],
        portrait_source=shown["portrait_source"], fields=fields, unknown=shown["unknown"])


def exported(session: Session, persona_id: int, kind: str) -> Response:
    """The persona card as a PNG or PDF download (shared by the API and the pages)."""
    persona = persona_service.get_persona(session, persona_id)
    segment = segment_service.get_segment(session, persona.segment_id).name
    shown = card.view(persona)
    slug = "".join(c if c.isalnum() else "-" for c in shown["name"].lower()).strip("-")
    if kind == "pdf":
        body, media = export.card_pdf(shown, segment=segment), "application/pdf"
    else:
        body, media = export.card_png(shown, segment=segment), "image/png"
    filename = f"persona-{persona.id}-{slug or 'card'}.{kind}"
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/personas", response_model=list[PersonaOut])
def list_personas(session: DbSession, user: ApiUser) -> list[PersonaOut]:
    return [persona_out(p) for p in persona_service.list_personas(session)]


@router.get("/personas/{persona_id}", response_model=PersonaOut)
def get_persona(persona_id: int, session: DbSession, user: ApiUser) -> PersonaOut:
    return persona_out(persona_service.get_persona(session, persona_id))


@router.patch("/personas/{persona_id}", response_model=PersonaOut)
def edit_persona(persona_id: int, body: PersonaEdit, session: DbSession,
                 user: ApiManager) -> PersonaOut:
    """Replace fields with a person's answers (marked as such); null reverts to the data."""
    return persona_out(persona_service.edit_persona(session, persona_id, edits=body.edits,
                                                    actor=user))


@router.get("/personas/{persona_id}/card.png", response_class=Response)
def card_png(persona_id: int, session: DbSession, user: ApiUser) -> Response:
    return exported(session, persona_id, "png")


@router.get("/personas/{persona_id}/card.pdf", response_class=Response)
def card_pdf(persona_id: int, session: DbSession, user: ApiUser) -> Response:
    return exported(session, persona_id, "pdf")
