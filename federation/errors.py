"""The exceptions the protocol library raises.

Every error derives from :class:`FederationError` (itself an ``Exception``),
so callers can catch the family at the door and turn it into a 4xx answer.
"""

from __future__ import annotations


class FederationError(Exception):
    """Base class: something from outside could not be accepted or reached."""


class SignatureError(FederationError):
    """An HTTP signature is missing, malformed, stale or does not verify."""


class SchemaError(FederationError):
    """A document does not match the JSON Schema it must follow.

    ``problems`` lists one readable line per violation (JSON path and message).
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class JsonLdError(FederationError):
    """A JSON-LD document could not be processed (bad context, bad shape)."""


class FetchError(FederationError):
    """A remote resource could not be fetched.

    ``retryable`` says whether trying again later may succeed (timeouts, 5xx,
    429) or not (404, 410, refused address, wrong content type).
    """

    def __init__(self, message: str, *, retryable: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status


class AddressNotAllowed(FetchError):
    """The destination resolves to an address our policy forbids (SSRF guard)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class HostRefused(FetchError):
    """The destination's host is one we do not talk to (a domain block)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


class WebFingerError(FetchError):
    """A WebFinger lookup failed or returned an unusable document."""
