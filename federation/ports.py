"""Protocols the server implements so the library can do I/O through it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    """A public key and the actor that owns it, as proven by where it was fetched.

    ``owner`` is the actor id whose document (fetched from that actor's own
    origin) lists this key; it is the only identity a signature made with the
    key can vouch for.
    """

    key_id: str
    owner: str
    public_key: PublicKeyTypes


class KeyLookup(Protocol):
    """Find the public key behind a signature's ``keyId``.

    ``refresh=True`` asks for a fresh copy from the origin (the key may have
    rotated since it was cached). Raises :class:`federation.errors.FetchError`
    or :class:`federation.errors.SignatureError` when no usable key exists.
    """

    async def get_key(self, key_id: str, *, refresh: bool = False) -> PublicKeyInfo: ...
