"""Page routes: each page is a thin layer over a domain service."""

from __future__ import annotations

from fastapi import APIRouter

from fairdesk.web.pages import health, home

router = APIRouter(include_in_schema=False)
router.include_router(health.router)
router.include_router(home.router)
