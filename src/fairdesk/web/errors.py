"""One handler for domain and validation errors: JSON for the API, a page for people."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from fairdesk.auth.deps import LoginRequired
from fairdesk.errors import FairdeskError
from fairdesk.web.templating import render


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def _field_name(loc: tuple[Any, ...]) -> str:
    # The first element says where the value came from (body, query, …), not which field.
    if loc and loc[0] in ("body", "query", "path", "header", "form", "cookie"):
        loc = loc[1:]
    return ".".join(str(p) for p in loc) or "request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FairdeskError)
    async def _domain(request: Request, exc: FairdeskError) -> Response:
        if _wants_json(request):
            headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
            return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)
        if isinstance(exc, LoginRequired):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return render(request, "error.html", {"error": exc}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "field": _field_name(tuple(e.get("loc", ()))),
                "message": e.get("msg", "invalid"),
                "type": e.get("type", ""),
            }
            for e in exc.errors()
        ]
        body = {
            "error": "validation_failed",
            "message": "; ".join(f"{e['field']}: {e['message']}" for e in errors),
            "field": errors[0]["field"] if errors else None,
            "details": errors,
        }
        if _wants_json(request):
            return JSONResponse(jsonable_encoder(body), status_code=422)
        return render(request, "error.html", {"error": body}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"error": "http_error", "message": str(exc.detail)},
                status_code=exc.status_code,
                headers=exc.headers,
            )
        return render(
            request,
            "error.html",
            {"error": {"message": str(exc.detail)}},
            status_code=exc.status_code,
        )
