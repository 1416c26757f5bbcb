"""The API token cache: a revoked token keeps working at most ``ttl_s`` seconds, never longer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fairdesk.auth import deps
from fairdesk.auth.models import ApiToken, StaffUser
from fairdesk.db.base import utcnow
from tests.factories import make_token


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    fake = Clock()
    monkeypatch.setattr(deps.token_cache, "clock", fake)
    deps.token_cache.clear()
    yield fake
    deps.token_cache.clear()


def test_revocation_takes_effect_within_the_ttl(
    client: TestClient, session: Session, agent: StaffUser, clock: Clock
) -> None:
    headers = {"Authorization": f"Bearer {make_token(session, agent)}"}
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    session.execute(update(ApiToken).values(revoked_at=utcnow()))
    clock.now += deps.token_cache.ttl_s - 1
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200  # cached
    clock.now += 1
    refused = client.get("/api/v1/tickets", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"] == "not_authenticated"


def test_a_deactivated_user_is_refused_after_the_ttl(
    client: TestClient, session: Session, agent: StaffUser, clock: Clock
) -> None:
    headers = {"Authorization": f"Bearer {make_token(session, agent)}"}
    assert client.get("/api/v1/tickets", headers=headers).status_code == 200
    agent.is_active = False
    session.flush()
    clock.now += deps.token_cache.ttl_s
    assert client.get("/api/v1/tickets", headers=headers).status_code == 401


def test_unknown_tokens_are_never_cached_and_new_ones_work_at_once(
    client: TestClient, session: Session, agent: StaffUser, clock: Clock
) -> None:
    assert (
        client.get("/api/v1/tickets", headers={"Authorization": "Bearer fd_nope"}).status_code
        == 401
    )
    secret = make_token(session, agent)
    ok = client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200
    # Cached by digest, never by the secret itself.
    assert secret not in repr(deps.token_cache._entries)
    assert session.scalar(select(ApiToken.last_used_at)) is not None
