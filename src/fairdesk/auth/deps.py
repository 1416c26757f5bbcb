"""Who is asking: typed dependencies for staff in the browser and on the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


def _api_user(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> StaffUser:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("missing bearer token in the Authorization header")
    return auth_service.user_for_token(session, credentials.credentials)


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
