"""Signed, expiring tokens: the key of every link that stands in for an account.

Customers have no account and managers decide from e-mail, so portal, survey, fairness-decision
and approval links each carry a small payload signed with ``Settings.secret_key``. Each kind of
link signs under a salt of its own, so no link (and no session cookie) can pass for another
kind. Signing and checking both read ``get_settings()`` unless given settings: links are signed
outside any request (intake, the outbox) and must verify with the very same key.

Callers name the errors to raise, because each page words its refusal for its own reader; a
token over ``max_chars`` is refused before any cryptography runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from fairdesk.config import Settings, get_settings
from fairdesk.errors import FairdeskError

MAX_TOKEN_CHARS = 400


class _ClockSigner(TimestampSigner):
    """A timestamp signer whose "now" can be given, so issue and expiry are testable."""

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        return int(self._now.timestamp()) if self._now is not None else super().get_timestamp()


def _serializer(salt: str, settings: Settings, now: datetime | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        settings.secret_key.get_secret_value(),
        salt=salt,
        signer=_ClockSigner,
        signer_kwargs={"now": now},
    )


def sign(
    payload: list[int | str],
    *,
    salt: str,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> str:
    """A URL-safe token carrying ``payload``, issued at ``now`` (default: the clock)."""
    return _serializer(salt, settings or get_settings(), now).dumps(payload)


def unsign(
    token: str,
    *,
    salt: str,
    max_age: int | None,
    invalid: FairdeskError,
    expired: FairdeskError,
    now: datetime | None = None,
    settings: Settings | None = None,
    max_chars: int = MAX_TOKEN_CHARS,
) -> Any:
    """The payload of a genuine token no older than ``max_age`` seconds (None: any age).

    Raises ``expired`` for a genuine but too old token and ``invalid`` for anything else
    (tampered, truncated, too long, signed with another key or salt).
    """
    if len(token) > max_chars:
        raise invalid
    try:
        return _serializer(salt, settings or get_settings(), now).loads(token, max_age=max_age)
    except SignatureExpired:
        raise expired from None
    except BadData:
        raise invalid from None


def positive_ids(payload: Any, count: int) -> tuple[int, ...] | None:
    """``payload`` as ``count`` positive integer ids, or None when it is anything else."""
    if (
        isinstance(payload, list)
        and len(payload) == count
        and all(type(v) is int and v > 0 for v in payload)
    ):
        return tuple(payload)
    return None
