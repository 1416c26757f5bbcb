"""Page routes: each page is a thin layer over a domain service."""

from __future__ import annotations

from fastapi import APIRouter

from fairdesk.web.pages import (
    customer_import,
    customers,
    health,
    home,
    inbox,
    portal,
    support_form,
    ticket,
    value,
)
from fairdesk.web.pages import goodwill as goodwill_pages
from fairdesk.web.pages import personas as persona_pages
from fairdesk.web.pages import segments as segment_pages

router = APIRouter(include_in_schema=False)
router.include_router(health.router)
router.include_router(home.router)
router.include_router(customer_import.router)
router.include_router(customers.router)
router.include_router(value.router)
router.include_router(inbox.router)
router.include_router(ticket.router)
router.include_router(support_form.router)
router.include_router(portal.router)
router.include_router(segment_pages.router)
router.include_router(persona_pages.router)
router.include_router(goodwill_pages.router)

from fairdesk.web.pages import interaction_rating  # noqa: E402

router.include_router(interaction_rating.router)

from fairdesk.web.pages import fairness as fairness_pages  # noqa: E402
from fairdesk.web.pages import fairness_portal  # noqa: E402

router.include_router(fairness_pages.router)
router.include_router(fairness_portal.router)

from fairdesk.web.pages import survey as survey_pages  # noqa: E402
from fairdesk.web.pages import survey_staff as survey_staff_pages  # noqa: E402

router.include_router(survey_pages.router)
router.include_router(survey_staff_pages.router)

from fairdesk.web.pages import scorecard as scorecard_pages  # noqa: E402

router.include_router(scorecard_pages.router)

from fairdesk.web.pages import improvements as improvement_pages  # noqa: E402
from fairdesk.web.pages import themes as theme_pages  # noqa: E402

router.include_router(theme_pages.router)
router.include_router(improvement_pages.router)

from fairdesk.web.pages import staff_exposure  # noqa: E402

router.include_router(staff_exposure.router)
