"""Errors services raise; each door turns them into its own kind of answer."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class. ``message`` is safe to show to the person who asked."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(ServiceError):
    """Input is well-formed but not acceptable; ``field`` names the culprit."""

    status = 422

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Forbidden(ServiceError):
    status = 403


class Gone(ServiceError):
    """It was here and was deleted for good (answered 410)."""

    status = 410


class Unauthorized(ServiceError):
    status = 401


class TooMany(ServiceError):
    """A per-member limit was reached (answered 429)."""

    status = 429
