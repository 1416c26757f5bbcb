"""Domain errors: each carries the HTTP status it maps to, rendered by one handler."""

from __future__ import annotations

from typing import Any


class FairdeskError(Exception):
    """Base of every expected failure; ``status_code`` is what the API answers."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.details is not None:
            body["details"] = self.details
        return body


class NotFound(FairdeskError):
    status_code = 404
    code = "not_found"


class Conflict(FairdeskError):
    status_code = 409
    code = "conflict"


class ValidationFailed(FairdeskError):
    status_code = 422
    code = "validation_failed"


class NotAuthenticated(FairdeskError):
    status_code = 401
    code = "not_authenticated"


class PermissionDenied(FairdeskError):
    status_code = 403
    code = "forbidden"
