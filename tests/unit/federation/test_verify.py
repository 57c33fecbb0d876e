"""verify_request: parse, async key lookup, verify, and one refetch on key rotation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from federation.errors import FetchError, SignatureError
from federation.httpsig import parse_http_date, sign_cavage
from federation.keys import PublicKey, generate_ed25519, generate_rsa, load_public_pem
from federation.ports import KeyLookup, PublicKeyInfo
from federation.rfc9421 import sign_rfc9421
from federation.verify import VerifiedRequest, verify_request

FIXTURES = Path(__file__).parents[2] / "fixtures"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INBOX = "https://warm.example/users/alice/inbox"
ACTOR = "https://remote.example/users/bob"
KEY_ID = f"{ACTOR}#main-key"
BODY = b'{"type":"Follow","actor":"https://remote.example/users/bob"}'


class FakeKeys:
    """An in-memory KeyLookup: ``cached`` is served first, ``fresh`` on refresh=True."""

    def __init__(self, cached: PublicKey | None, fresh: PublicKey | None = None) -> None:
        self.cached = cached
        self.fresh = fresh if fresh is not None else cached
        self.calls: list[tuple[str, bool]] = []

    async def get_key(self, key_id: str, *, refresh: bool = False) -> PublicKeyInfo:
        self.calls.append((key_id, refresh))
        key = self.fresh if refresh else self.cached
        if key is None:
            raise FetchError(f"no actor behind {key_id}", status=404)
        return PublicKeyInfo(key_id=key_id, owner=key_id.partition("#")[0], public_key=key)


def _is_key_lookup(keys: KeyLookup) -> KeyLookup:
    return keys


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return generate_rsa()


@pytest.fixture(scope="module")
def new_rsa_key() -> rsa.RSAPrivateKey:
    return generate_rsa()


@pytest.fixture(scope="module")
def stranger_key() -> rsa.RSAPrivateKey:
    return generate_rsa()


@pytest.fixture(scope="module")
def ed_key() -> ed25519.Ed25519PrivateKey:
    return generate_ed25519()


def cavage(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json"}
    return {
        **headers,
        **sign_cavage("POST", INBOX, headers, BODY, key_id=KEY_ID, private_key=key, now=NOW),
    }


def rfc9421(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> dict[str, str]:
    headers = {"Content-Type": "application/activity+json"}
    return {
        **headers,
        **sign_rfc9421("POST", INBOX, headers, BODY, key_id=KEY_ID, private_key=key, now=NOW),
    }


SIGNERS = [cavage, rfc9421]


@pytest.mark.parametrize("sign", SIGNERS)
async def test_valid_request_uses_the_cached_key_only(rsa_key: rsa.RSAPrivateKey, sign) -> None:
    keys = FakeKeys(rsa_key.public_key())
    result = await verify_request("POST", INBOX, sign(rsa_key), BODY, _is_key_lookup(keys), now=NOW)
    assert result == VerifiedRequest(
        key_id=KEY_ID,
        signer=ACTOR,
        scheme="cavage" if sign is cavage else "rfc9421",
        covered=result.covered,
    )
    assert keys.calls == [(KEY_ID, False)]


@pytest.mark.parametrize("sign", SIGNERS)
async def test_rotated_key_is_refetched_once(
    rsa_key: rsa.RSAPrivateKey, new_rsa_key: rsa.RSAPrivateKey, sign
) -> None:
    keys = FakeKeys(cached=rsa_key.public_key(), fresh=new_rsa_key.public_key())
    result = await verify_request("POST", INBOX, sign(new_rsa_key), BODY, keys, now=NOW)
    assert result.signer == ACTOR
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_rotation_from_rsa_to_ed25519_is_refetched(
    rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    keys = FakeKeys(cached=rsa_key.public_key(), fresh=ed_key.public_key())
    result = await verify_request("POST", INBOX, rfc9421(ed_key), BODY, keys, now=NOW)
    assert result.scheme == "rfc9421"


@pytest.mark.parametrize("sign", SIGNERS)
async def test_second_failure_is_final(
    rsa_key: rsa.RSAPrivateKey,
    new_rsa_key: rsa.RSAPrivateKey,
    stranger_key: rsa.RSAPrivateKey,
    sign,
) -> None:
    keys = FakeKeys(cached=rsa_key.public_key(), fresh=new_rsa_key.public_key())
    with pytest.raises(SignatureError, match="does not verify"):
        await verify_request("POST", INBOX, sign(stranger_key), BODY, keys, now=NOW)
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_an_unchanged_key_is_not_checked_twice(
    rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    keys = FakeKeys(cached=rsa_key.public_key())
    with pytest.raises(SignatureError):
        await verify_request("POST", INBOX, cavage(ed_key), BODY, keys, now=NOW)
    assert keys.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_unknown_key_raises_the_lookups_error(rsa_key: rsa.RSAPrivateKey) -> None:
    keys = FakeKeys(cached=None)
    with pytest.raises(FetchError):
        await verify_request("POST", INBOX, cavage(rsa_key), BODY, keys, now=NOW)


async def test_key_gone_on_refresh_raises_the_lookups_error(
    rsa_key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey
) -> None:
    keys = FakeKeys(cached=rsa_key.public_key())
    keys.fresh = None
    with pytest.raises(FetchError):
        await verify_request("POST", INBOX, cavage(ed_key), BODY, keys, now=NOW)


async def test_policy_failures_never_touch_the_key_lookup(rsa_key: rsa.RSAPrivateKey) -> None:
    keys = FakeKeys(cached=rsa_key.public_key())
    with pytest.raises(SignatureError, match="too old"):
        await verify_request(
            "POST", INBOX, cavage(rsa_key), BODY, keys, now=NOW + timedelta(hours=2)
        )
    with pytest.raises(SignatureError, match="not signed"):
        await verify_request("POST", INBOX, {}, BODY, keys, now=NOW)
    with pytest.raises(SignatureError, match="does not match"):
        await verify_request("POST", INBOX, cavage(rsa_key), BODY + b" ", keys, now=NOW)
    assert keys.calls == []


async def test_window_is_configurable(rsa_key: rsa.RSAPrivateKey) -> None:
    keys = FakeKeys(cached=rsa_key.public_key())
    later = NOW + timedelta(minutes=10)
    await verify_request("POST", INBOX, cavage(rsa_key), BODY, keys, now=later)
    with pytest.raises(SignatureError):
        await verify_request(
            "POST", INBOX, cavage(rsa_key), BODY, keys, now=later, max_skew_seconds=300
        )


async def test_the_real_mastodon_delivery_verifies_end_to_end() -> None:
    recorded = json.loads((FIXTURES / "mastodon/signed-inbox-post-cavage.fixture.json").read_text())
    body = (FIXTURES / "mastodon/signed-inbox-post-cavage.body.json").read_bytes()
    pem = json.loads((FIXTURES / "mastodon/signer-public-key.json").read_text())["publicKey"]
    keys = FakeKeys(cached=load_public_pem(pem))
    headers = recorded["headers"]
    result = await verify_request(
        "POST",
        "http://localhost/accounts/ronan/inbox",
        headers,
        body,
        keys,
        now=parse_http_date(headers["date"]),
    )
    assert (result.signer, result.scheme) == ("http://localhost:3000/users/ronan2", "cavage")
    assert "digest" in result.covered
