"""Staff accounts, API tokens and audit entries: plain functions taking a session."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from fairdesk.auth.models import ApiToken, AuditEntry, Role, StaffUser
from fairdesk.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from fairdesk.db.base import utcnow
from fairdesk.errors import Conflict, NotAuthenticated, ValidationFailed

TOKEN_PREFIX = "fd_"
SYSTEM_ACTOR = "system"


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: Role = Role.AGENT,
    actor: StaffUser | None = None,
) -> StaffUser:
    email = normalize_email(email)
    if "@" not in email:
        raise ValidationFailed("not an e-mail address", field="email")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise Conflict(f"a staff user with e-mail {email} already exists", field="email")
    user = StaffUser(email=email, name=name, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="user.create",
        entity_type="staff_user",
        entity_id=user.id,
        details={"email": email, "role": str(role)},
    )
    return user


def authenticate(session: Session, *, email: str, password: str) -> StaffUser:
    """Return the active user for these credentials; one error for every failure."""
    user = session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        raise NotAuthenticated("wrong e-mail or password")
    user.last_login_at = utcnow()
    return user


def get_active_user(session: Session, user_id: int) -> StaffUser | None:
    user = session.get(StaffUser, user_id)
    return user if user is not None and user.is_active else None


def token_digest(secret: str) -> str:
    """What is stored (and cached) for a token: never the secret itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, *, user: StaffUser, name: str) -> tuple[ApiToken, str]:
    """Create an API token; the plain secret is returned once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name, token_hash=token_digest(secret), prefix=secret[:10]
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor=user,
        action="token.create",
        entity_type="api_token",
        entity_id=token.id,
        details={"name": name, "prefix": token.prefix},
    )
    return token, secret


# ``last_used_at`` is kept to the minute: writing it on every request would make all the
# requests of one integration queue on the same row (and, with a thread pool, stall).
TOKEN_TOUCH_EVERY = timedelta(minutes=1)


def user_for_token(session: Session, secret: str) -> StaffUser:
    """The active user behind an unrevoked token: one indexed query, no row waited on.

    It ends its own short transaction (committing the throttled ``last_used_at``), so the
    request gives its database connection back before FastAPI moves it to another thread
    for the endpoint: a request holding a pooled connection must never wait for a thread
    that requests waiting for a connection are holding (a starvation deadlock under load).
    """
    row = session.execute(
        select(ApiToken.id, ApiToken.last_used_at, StaffUser)
        .join(StaffUser, StaffUser.id == ApiToken.user_id)
        .where(
            ApiToken.token_hash == token_digest(secret),
            ApiToken.revoked_at.is_(None),
            StaffUser.is_active,
        )
    ).first()
    if row is None:
        raise NotAuthenticated("invalid or revoked API token")
    token_id, last_used_at, user = row
    now = utcnow()
    if last_used_at is None or now - last_used_at >= TOKEN_TOUCH_EVERY:
        _touch_token(session, token_id, now)
    session.commit()
    return user


def _touch_token(session: Session, token_id: int, now: datetime) -> None:
    """Record use, skipping (not waiting) when a concurrent request is recording it."""
    target = select(ApiToken.id).where(
        ApiToken.id == token_id,
        or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOKEN_TOUCH_EVERY),
    )
    if session.get_bind().dialect.name == "postgresql":
        target = target.with_for_update(skip_locked=True)
    session.execute(
        update(ApiToken)
        .where(ApiToken.id.in_(target.scalar_subquery()))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )


def record(
    session: Session,
    *,
    actor: StaffUser | None,
    action: str,
    entity_type: str,
    entity_id: int | str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log (in the caller's unit of work)."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else SYSTEM_ACTOR,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        details=details or {},
    )
    session.add(entry)
    return entry


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StaffUser)) or 0
