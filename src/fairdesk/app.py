"""Application factory: one FastAPI app serving the pages, the REST API and health."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware

from fairdesk import __version__
from fairdesk.api.router import api_router
from fairdesk.auth.routes import router as auth_pages
from fairdesk.config import Settings, get_settings
from fairdesk.db.session import get_engine, session_factory
from fairdesk.web.errors import install_error_handlers
from fairdesk.web.routes import router as web_pages
from fairdesk.web.security_headers import SecurityHeadersMiddleware
from fairdesk.web.templating import STATIC_DIR


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or get_engine(settings.resolved_database_url)
    app = FastAPI(
        title="fairdesk",
        version=__version__,
        description="Customer-first service desk. Authenticate with `Authorization: Bearer <token>`"
        " (create one with `fairdesk token create`).",
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory(engine)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie="fairdesk_session",
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api_router)
    app.include_router(auth_pages)
    app.include_router(web_pages)
    return app
