"""Mounts every domain's API router under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from fairdesk.customers.routes import router as customers_router
from fairdesk.tickets.routes import router as tickets_router

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(customers_router)
api_router.include_router(tickets_router)
