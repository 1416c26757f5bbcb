"""Goodwill tests that commit for real (parallel grants) use a throwaway database; the
e-mail approval flow also runs in the real browser against the live server."""

from tests.outbox.throwaway import committed_db, db_template
from tests.web.conftest import browser, live_server, page

__all__ = ["browser", "committed_db", "db_template", "live_server", "page"]
