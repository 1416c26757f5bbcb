"""Jinja2 environment shared by every page: autoescaping, CSRF and the signed-in user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from fairdesk.auth.csrf import FORM_FIELD, csrf_token
from fairdesk.config import get_settings
from fairdesk.fairness.protection.masking import masked_subject

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.autoescape = True


def _money(value: Any, currency: str | None = None) -> str:
    cur = currency or get_settings().currency
    symbol = {"GBP": "£", "EUR": "€", "USD": "$"}.get(cur, cur + " ")
    return f"{symbol}{float(value):,.2f}"


templates.env.filters["money"] = _money
templates.env.filters["masked_subject"] = masked_subject  # customer text in staff views


def flash(request: Request, message: str, kind: str = "info") -> None:
    request.session.setdefault("flash", []).append({"kind": kind, "message": message})


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    ctx: dict[str, Any] = {
        "user": getattr(request.state, "user", None),
        "csrf_field": FORM_FIELD,
        "csrf_token": csrf_token(request),
        "flashes": request.session.pop("flash", []),
        "business_name": get_settings().business_name,
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)
