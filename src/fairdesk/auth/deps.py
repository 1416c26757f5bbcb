"""Who is asking: typed dependencies for staff in the browser and on the API."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from fairdesk.auth import service as auth_service
from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.deps import DbSession
from fairdesk.errors import FairdeskError, NotAuthenticated, PermissionDenied

SESSION_USER_KEY = "uid"


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, as the page layout shows it."""

    id: int
    email: str
    name: str
    role: Role


class LoginRequired(FairdeskError):
    """Raised for pages; the web handler turns it into a redirect to the login page."""

    status_code = 401
    code = "login_required"


def _web_user(request: Request, session: DbSession) -> StaffUser:
    uid = request.session.get(SESSION_USER_KEY)
    user = auth_service.get_active_user(session, uid) if isinstance(uid, int) else None
    if user is None:
        request.session.pop(SESSION_USER_KEY, None)
        raise LoginRequired("please sign in")
    # Pages render the signed-in user even after the request's session rolled back (an
    # error page), so the layout gets a plain snapshot rather than the ORM row.
    request.state.user = Viewer(id=user.id, email=user.email, name=user.name, role=Role(user.role))
    return user


_bearer = HTTPBearer(auto_error=False, description="API token from `fairdesk token create`")


class TokenCache:
    """Recently accepted API tokens, per process, for ``ttl_s`` seconds.

    An integration sends many requests with one token; looking it up each time costs a
    transaction of its own (the look-up commits before the endpoint runs). Entries are
    keyed by the token's SHA-256 digest, never the secret, and hold a detached snapshot of
    the user that each request merges into its own session without SQL. Only accepted tokens
    are cached, so a new token works at once; **revoking a token, or deactivating or
    demoting its user, takes effect within ``ttl_s`` seconds** (each worker process re-reads
    the token when its entry is that old).
    """

    def __init__(self, ttl_s: float = 5.0, max_entries: int = 1024) -> None:
        self.clock: Callable[[], float] = time.monotonic  # replaceable in tests
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, StaffUser]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str, now: float) -> StaffUser | None:
        entry = self._entries.get(digest)
        if entry is None or entry[0] <= now:
            return None
        return entry[1]

    def put(self, digest: str, user: StaffUser, now: float) -> None:
        snapshot = StaffUser()
        for attr in StaffUser.__mapper__.column_attrs:
            # Loaded, not changed: merge(load=False) accepts only clean objects.
            set_committed_value(snapshot, attr.key, getattr(user, attr.key))
        make_transient_to_detached(snapshot)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()  # a burst of distinct tokens: start over, stay bounded
            self._entries[digest] = (now + self.ttl_s, snapshot)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


token_cache = TokenCache()


async def _api_secret(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The bearer token's secret; a request without one is refused (401) before anything else.

    Async on purpose: it needs no database, so it costs no trip to the thread pool.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("missing bearer token in the Authorization header")
    return credentials.credentials


def user_for_secret(session: Session, secret: str) -> StaffUser:
    """The token's user, from :data:`token_cache` when it was accepted moments ago."""
    digest = auth_service.token_digest(secret)
    now = token_cache.clock()
    cached = token_cache.get(digest, now)
    if cached is not None:
        # A copy in this request's session, from the snapshot's loaded state: no query.
        return session.merge(cached, load=False)
    user = auth_service.user_for_token(session, secret)
    token_cache.put(digest, user, now)
    return user


ApiSecret = Annotated[str, Depends(_api_secret)]


def _api_user(session: DbSession, secret: ApiSecret) -> StaffUser:
    return user_for_secret(session, secret)


def _require(role: Role, user: StaffUser) -> StaffUser:
    if not Role(user.role).at_least(role):
        raise PermissionDenied(f"this needs the {role} role")
    return user


def _web_manager(user: Annotated[StaffUser, Depends(_web_user)]) -> StaffUser:
    return _require(Role.MANAGER, user)


def _api_manager(user: Annotated[StaffUser, Depends(_api_user)]) -> StaffUser:
    return _require(Role.MANAGER, user)


StaffPage = Annotated[StaffUser, Depends(_web_user)]
ManagerPage = Annotated[StaffUser, Depends(_web_manager)]
ApiUser = Annotated[StaffUser, Depends(_api_user)]
ApiManager = Annotated[StaffUser, Depends(_api_manager)]
