"""Page routes: each page is a thin layer over a domain service."""

from __future__ import annotations

from fastapi import APIRouter

from fairdesk.web.pages import (
    customer_import,
    customers,
    fairness,
    fairness_portal,
    goodwill,
    health,
    home,
    improvements,
    inbox,
    interaction_rating,
    personas,
    portal,
    scorecard,
    segments,
    staff_exposure,
    support_form,
    survey,
    survey_staff,
    themes,
    ticket,
    value,
)

router = APIRouter(include_in_schema=False)
for page in (
    health,
    home,
    customer_import,
    customers,
    value,
    inbox,
    ticket,
    support_form,
    portal,
    segments,
    personas,
    goodwill,
    interaction_rating,
    scorecard,
    staff_exposure,
    fairness,
    fairness_portal,
    survey,
    survey_staff,
    themes,
    improvements,
):
    router.include_router(page.router)
