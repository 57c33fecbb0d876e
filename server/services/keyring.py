"""Local private keys, parsed once and kept for signing.

Parsing a PEM costs more than signing with it, so each local account's keys
are loaded on first use and cached for the life of the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from federation import keys as fkeys
from federation.client import Signer
from federation.httpsig import sign_cavage
from server.store import Database
from server.store import accounts as q
from server.urls import Urls


@dataclass(frozen=True, slots=True)
class SigningKey:
    key_id: str
    private_key: PrivateKeyTypes


def signer_for(key: SigningKey) -> Signer:
    """A federation.client signer hook that signs with ``key`` (draft-cavage, as
    every peer verifies it; RFC 9421 is accepted inbound)."""

    def sign(
        method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> Mapping[str, str]:
        return sign_cavage(
            method, url, headers, body, key_id=key.key_id, private_key=key.private_key
        )

    return sign


@dataclass(frozen=True, slots=True)
class LocalKeys:
    rsa: SigningKey
    ed25519: SigningKey
    rsa_public_pem: str
    ed25519_public_pem: str


class Keyring:
    def __init__(self, db: Database, urls: Urls) -> None:
        self._db = db
        self._urls = urls
        self._cache: dict[int, LocalKeys] = {}

    async def for_account(self, account_id: int, username: str | None = None) -> LocalKeys:
        cached = self._cache.get(account_id)
        if cached is not None:
            return cached
        async with self._db.read() as conn:
            rows = await q.account_keys(conn, account_id)
            if username is None:
                account = await q.get_account(conn, account_id)
                username = account.username if account else ""
        by_kind = {row.kind: row for row in rows if row.private_pem}
        if "rsa" not in by_kind or "ed25519" not in by_kind:
            raise LookupError(f"account {username} has no signing keys")
        ids = self._urls.key_ids(username)
        loaded = LocalKeys(
            rsa=SigningKey(ids["rsa"], fkeys.load_private_pem(by_kind["rsa"].private_pem or "")),
            ed25519=SigningKey(
                ids["ed25519"], fkeys.load_private_pem(by_kind["ed25519"].private_pem or "")
            ),
            rsa_public_pem=by_kind["rsa"].public_pem,
            ed25519_public_pem=by_kind["ed25519"].public_pem,
        )
        self._cache[account_id] = loaded
        return loaded
