"""Mounts every domain's API router under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from fairdesk.clv.routes import router as clv_router
from fairdesk.customers.routes import router as customers_router
from fairdesk.fairness.protection.routes import router as protection_router
from fairdesk.fairness.rating_routes import router as rating_router
from fairdesk.fairness.routes import router as fairness_router
from fairdesk.feedback.improvements.routes import router as improvements_router
from fairdesk.feedback.surveys.routes import router as surveys_router
from fairdesk.feedback.themes.routes import router as themes_router
from fairdesk.goodwill.routes import router as goodwill_router
from fairdesk.outbox.routes import router as outbox_router
from fairdesk.personas.routes import router as personas_router
from fairdesk.scorecard.routes import router as scorecard_router
from fairdesk.segments.routes import router as segments_router
from fairdesk.tickets.routes import router as tickets_router
from fairdesk.tickets.sla_routes import router as sla_router
from fairdesk.triage.routes import router as triage_router

api_router = APIRouter(prefix="/api/v1")
for domain_router in (
    customers_router,
    tickets_router,
    clv_router,
    outbox_router,
    sla_router,
    triage_router,
    segments_router,
    personas_router,
    goodwill_router,
    fairness_router,
    rating_router,
    protection_router,
    surveys_router,
    themes_router,
    improvements_router,
    scorecard_router,
):
    api_router.include_router(domain_router)
