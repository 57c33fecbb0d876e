# ruff: noqa: F811  (fixtures imported from attackkit)
"""Attack suite: HTTP signatures at the inbox door.

Every case asserts the status (4xx, never 5xx) and that no row of any table
changed (``nothing_changed``). Covered already in tests/app/test_inbox_door.py
(inbox items and statuses only; the cases here are the stronger, every-table
versions where they overlap):

* test_an_unsigned_delivery_is_refused                        -> test_absent_*
* test_a_signature_by_a_key_the_actor_does_not_have_is_refused -> test_forged_*
* test_a_delivery_signed_for_another_server_is_refused        -> test_unsigned_or_wrong_host
* test_a_replayed_delivery_signed_long_ago_is_refused         -> test_expired_*
* test_a_body_changed_after_signing_is_refused                -> test_unsigned_* (digest)
* test_an_activity_signed_by_one_actor_in_the_name_of_another_is_refused
                                                               -> test_key_owner_*
* test_the_same_activity_delivered_twice_is_stored_once        -> test_replayed_*
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient
from fakepeer import AS2, FakePeer

from federation import keys as fkeys
from server.appkeys import CONFIG, DB
from server.services import members
from tests.app.test_inbox_door import (
    create_note,
    encode,
    inbox_rows,
    process_inbox,
    signed_headers,
    stored_counts,
)
from tests.security.attackkit import (  # noqa: F401 (fixtures)
    cavage_headers,
    known,
    nothing_changed,
    peer,
    public_url,
    refused_4xx,
    rfc9421_headers,
    warmline,
)


async def post(client: TestClient, path: str, body: bytes, headers: dict[str, str]):
    return await client.post(path, data=body, headers=headers)


# --- absent ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Signature": ""},
        {"Signature": "garbage"},
        {"Authorization": "Signature "},
        {"Signature-Input": "sig1=()", "Signature": "sig1=:AAAA:"},
        {"Authorization": "Bearer nope"},
    ],
    ids=["none", "empty", "garbage", "empty-authorization", "rfc9421-empty", "bearer"],
)
async def test_absent_or_empty_signature_is_refused(
    warmline: TestClient, peer: FakePeer, headers: dict[str, str]
) -> None:
    bob = peer.add("bob")
    body = encode(create_note(bob))
    async with nothing_changed(warmline):
        resp = await post(warmline, "/inbox", body, {"Content-Type": AS2, **headers})
        await refused_4xx(resp, 401)
    assert peer.fetched == []  # nothing to look up without a keyId


# --- forged -----------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421", "rfc9421-ed25519"])
async def test_forged_signature_is_refused(
    warmline: TestClient, peer: FakePeer, scheme: str
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    body = encode(create_note(bob))
    forger = fkeys.generate_ed25519() if scheme == "rfc9421-ed25519" else fkeys.generate_rsa()
    headers = signed_headers(warmline, bob, "/inbox", body, scheme=scheme, private_key=forger)
    async with nothing_changed(warmline):
        await refused_4xx(await post(warmline, "/inbox", body, headers), 401)


async def test_random_signature_bytes_are_refused(warmline: TestClient, peer: FakePeer) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    body = encode(create_note(bob))
    headers = cavage_headers(
        public_url(warmline, "/inbox"),
        body,
        key_id=bob.key_id,
        private_key=None,
        signature=os.urandom(256),
    )
    async with nothing_changed(warmline):
        await refused_4xx(await post(warmline, "/inbox", body, headers), 401)


# --- expired and future -----------------------------------------------------------------


def _window(client: TestClient) -> int:
    return client.app[CONFIG].federation.signature_window


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
@pytest.mark.parametrize("when", ["expired", "future"])
async def test_expired_or_future_dated_signature_is_refused(
    warmline: TestClient, peer: FakePeer, scheme: str, when: str
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    shift = timedelta(seconds=_window(warmline) + 600)
    at = datetime.now(UTC) + (shift if when == "future" else -shift)
    body = encode(create_note(bob))
    headers = signed_headers(warmline, bob, "/inbox", body, scheme=scheme, at=at)
    async with nothing_changed(warmline):
        await refused_4xx(await post(warmline, "/inbox", body, headers), 401)


async def test_a_signature_whose_expires_parameter_has_passed_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    body = encode(create_note(bob))
    now = int(datetime.now(UTC).timestamp())
    created, expires = now - 120, now - 60
    url = public_url(warmline, "/inbox")
    covered = ("(request-target)", "host", "(created)", "(expires)", "digest")
    # cavage_headers signs (created)/(expires) only when given as parameters
    from federation.httpsig import cavage_signing_string

    headers = cavage_headers(
        url, body, key_id=bob.key_id, private_key=bob.rsa, covered=("date",), algorithm="hs2019"
    )
    lowered = {k.lower(): v for k, v in headers.items()}
    base = cavage_signing_string(
        "POST", url, lowered, covered, created=str(created), expires=str(expires)
    )
    signature = base64.b64encode(fkeys.sign_bytes(bob.rsa, base)).decode()
    headers["Signature"] = (
        f'keyId="{bob.key_id}",algorithm="hs2019",created={created},expires={expires},'
        f'headers="{" ".join(covered)}",signature="{signature}"'
    )
    async with nothing_changed(warmline):
        await refused_4xx(await post(warmline, "/inbox", body, headers), 401)


# --- replayed ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
async def test_a_replayed_signed_request_is_deduped_not_stored_twice(
    warmline: TestClient, peer: FakePeer, scheme: str
) -> None:
    bob = peer.add("bob")
    doc = create_note(bob)
    body = encode(doc)
    headers = signed_headers(warmline, bob, "/inbox", body, scheme=scheme)

    first = await post(warmline, "/inbox", body, headers)
    assert first.status == 202, await first.text()
    # the very same bytes and headers, again: before and after the worker ran
    async with nothing_changed(warmline):
        again = await post(warmline, "/inbox", body, headers)
        assert again.status == 202, await again.text()
    await process_inbox(warmline)
    async with nothing_changed(warmline):
        third = await post(warmline, "/inbox", body, headers)
        assert third.status == 202, await third.text()
        assert await process_inbox(warmline) == 0
    assert len(await inbox_rows(warmline)) == 1
    assert await stored_counts(warmline) == (1, 1)


# --- what the signature covers ----------------------------------------------------------


@pytest.mark.parametrize(
    "covered",
    [
        ("(request-target)", "host", "digest"),  # no Date (nor (created))
        ("(request-target)", "host", "date"),  # no Digest although there is a body
        ("(request-target)", "date", "digest"),  # no Host
        ("host", "date", "digest"),  # no (request-target)
        ("date",),  # what draft-cavage means by no headers list
    ],
    ids=["no-date", "no-digest", "no-host", "no-target", "date-only"],
)
async def test_a_cavage_signature_that_leaves_a_required_header_unsigned_is_refused(
    warmline: TestClient, peer: FakePeer, covered: tuple[str, ...]
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    body = encode(create_note(bob))
    headers = cavage_headers(
        public_url(warmline, "/inbox"), body, key_id=bob.key_id, private_key=bob.rsa,
        covered=covered,
    )  # fmt: skip
    async with nothing_changed(warmline):
        await refused_4xx(await post(warmline, "/inbox", body, headers), 401)


async def test_an_unsigned_digest_cannot_carry_another_body(
    warmline: TestClient, peer: FakePeer
) -> None:
    """Signed without Digest: the body (and its Digest header) can be swapped."""
    bob = peer.add("bob")
    await known(warmline, bob)
    signed_for = encode(create_note(bob, text="harmless"))
    swapped = encode(create_note(bob, text="I owe you 1000 EUR"))
    headers = cavage_headers(
        public_url(warmline, "/inbox"), signed_for, key_id=bob.key_id, private_key=bob.rsa,
        covered=("(request-target)", "host", "date"),
    )  # fmt: skip
    from federation.digest import make_digest

    headers["Digest"] = make_digest(swapped)
    async with nothing_changed(warmline):
        await refused_4xx(await post(warmline, "/inbox", swapped, headers), 401)


@pytest.mark.parametrize(
    "covered",
    [
        ("@method", "@target-uri", "@authority", "date"),  # no content-digest
        ("@target-uri", "@authority", "date", "content-digest"),  # no @method
        ("@method", "@authority", "date", "content-digest"),  # no target
        ("@method", "@target-uri", "content-digest"),  # created is there; no Date is fine
    ],
    ids=["no-content-digest", "no-method", "no-target", "created-only"],
)
async def test_an_rfc9421_signature_that_leaves_a_required_component_unsigned(
    warmline: TestClient, peer: FakePeer, covered: tuple[str, ...]
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    doc = create_note(bob)
    body = encode(doc)
    headers = rfc9421_headers(
        public_url(warmline, "/inbox"), body, key_id=bob.key_id, private_key=bob.rsa,
        alg="rsa-v1_5-sha256", covered=covered,
    )  # fmt: skip
    if covered[-1] == "content-digest" and "@method" in covered and "@target-uri" in covered:
        # the control: a `created` parameter stands in for Date (RFC 9421 policy)
        resp = await post(warmline, "/inbox", body, headers)
        assert resp.status == 202, await resp.text()
        return
    async with nothing_changed(warmline):
        await refused_4xx(await post(warmline, "/inbox", body, headers), 401)


# --- signed for somewhere else ----------------------------------------------------------


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
@pytest.mark.parametrize(
    ("signed_for", "sent_to"),
    [
        ("/users/bob/inbox", "/inbox"),
        ("/inbox", "/users/alice/inbox"),
        ("/users/bob/inbox", "/users/alice/inbox"),
        ("/inbox?x=1", "/inbox"),
    ],
)
async def test_a_request_signed_for_another_path_is_refused(
    warmline: TestClient, peer: FakePeer, scheme: str, signed_for: str, sent_to: str
) -> None:
    await members.create_member(warmline.app[DB], "bob")
    bob = peer.add("bob")
    await known(warmline, bob)
    body = encode(create_note(bob))
    headers = signed_headers(warmline, bob, signed_for, body, scheme=scheme)
    async with nothing_changed(warmline):
        await refused_4xx(await post(warmline, sent_to, body, headers), 401)


@pytest.mark.parametrize("host", ["b.test", "a.test.evil.example", "a.test:8443"])
async def test_a_request_signed_for_another_host_is_refused(
    warmline: TestClient, peer: FakePeer, host: str
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    body = encode(create_note(bob))
    headers = cavage_headers(
        f"http://{host}/inbox", body, key_id=bob.key_id, private_key=bob.rsa, host=host
    )
    async with nothing_changed(warmline):
        await refused_4xx(await post(warmline, "/inbox", body, headers), 401)


# --- algorithm confusion ----------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "cavage rsa-sha256 label, ed25519 key and signature",
        "cavage hs2019, rsa keyId, ed25519 signature",
        "cavage ed25519 label (not a cavage algorithm)",
        "cavage hmac-sha256 keyed with the public key",
        "rfc9421 alg=ed25519, rsa key",
        "rfc9421 alg=rsa-v1_5-sha256, ed25519 key",
        "rfc9421 alg=rsa-pss-sha512, pkcs1 signature",
        "rfc9421 alg=hmac-sha256 keyed with the public key",
    ],
)
async def test_algorithm_confusion_is_refused(
    warmline: TestClient, peer: FakePeer, case: str
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    body = encode(create_note(bob))
    url = public_url(warmline, "/inbox")
    pem = fkeys.public_key_to_pem(bob.rsa).encode()

    if case.startswith("cavage rsa-sha256"):
        headers = cavage_headers(
            url, body, key_id=bob.ed25519_key_id, private_key=bob.ed25519, algorithm="rsa-sha256"
        )
    elif case.startswith("cavage hs2019"):
        headers = cavage_headers(
            url, body, key_id=bob.key_id, private_key=bob.ed25519, algorithm="hs2019"
        )
    elif case.startswith("cavage ed25519"):
        headers = cavage_headers(
            url, body, key_id=bob.ed25519_key_id, private_key=bob.ed25519, algorithm="ed25519"
        )
    elif case.startswith("cavage hmac"):
        from federation.httpsig import cavage_signing_string

        probe = cavage_headers(url, body, key_id=bob.key_id, private_key=bob.rsa)
        lowered = {k.lower(): v for k, v in probe.items()}
        base = cavage_signing_string(
            "POST", url, lowered, ["(request-target)", "host", "date", "digest"]
        )
        mac = hmac.new(pem, base, hashlib.sha256).digest()
        headers = cavage_headers(
            url, body, key_id=bob.key_id, private_key=None, algorithm="hmac-sha256", signature=mac
        )
        headers["Date"] = probe["Date"]
    elif case.startswith("rfc9421 alg=ed25519"):
        headers = rfc9421_headers(url, body, key_id=bob.key_id, private_key=bob.rsa, alg="ed25519")
    elif case.startswith("rfc9421 alg=rsa-v1_5"):
        headers = rfc9421_headers(
            url, body, key_id=bob.ed25519_key_id, private_key=bob.ed25519, alg="rsa-v1_5-sha256"
        )
    elif case.startswith("rfc9421 alg=rsa-pss"):
        headers = rfc9421_headers(
            url, body, key_id=bob.key_id, private_key=bob.rsa, alg="rsa-pss-sha512"
        )
    else:
        headers = rfc9421_headers(url, body, key_id=bob.key_id, private_key=bob.rsa, alg=None)
        from federation.rfc9421 import extract_rfc9421

        base = extract_rfc9421("POST", url, headers).base + b';alg="hmac-sha256"'
        headers["Signature-Input"] += ';alg="hmac-sha256"'
        mac = base64.b64encode(hmac.new(pem, base, hashlib.sha256).digest()).decode()
        headers["Signature"] = f"sig1=:{mac}:"

    async with nothing_changed(warmline):
        await refused_4xx(await post(warmline, "/inbox", body, headers), 401)


# --- whose key, whose activity ----------------------------------------------------------


async def test_key_owner_is_not_the_actor(warmline: TestClient, peer: FakePeer) -> None:
    """mallory signs, with her own valid key, an activity whose actor is carol."""
    mallory, carol = peer.add("mallory"), peer.add("carol")
    await known(warmline, mallory, carol)
    body = encode(create_note(carol))
    async with nothing_changed(warmline):
        resp = await post(
            warmline, "/inbox", body, signed_headers(warmline, mallory, "/inbox", body)
        )
        await refused_4xx(resp, 401)


async def test_a_key_whose_document_names_another_owner_is_refused(
    warmline: TestClient, peer: FakePeer
) -> None:
    """mallory's actor document lists her key as owned by carol."""
    mallory, carol = peer.add("mallory"), peer.add("carol")
    await known(warmline, carol)
    mallory.extra = {
        "publicKey": {
            "id": mallory.key_id,
            "owner": carol.id,
            "publicKeyPem": fkeys.public_key_to_pem(mallory.rsa),
        }
    }
    body = encode(create_note(carol))
    async with nothing_changed(warmline, ignore=("accounts", "keys", "account_stats", "hosts")):
        resp = await post(
            warmline, "/inbox", body, signed_headers(warmline, mallory, "/inbox", body)
        )
        await refused_4xx(resp, 401)
    async with warmline.app[DB].read() as conn:  # carol did not gain mallory's key
        from server.store import accounts as accounts_q

        found = await accounts_q.get_remote_key(conn, mallory.key_id)
    assert found is None or found[1].uri != carol.id


async def test_a_key_id_on_the_actor_named_but_signed_with_anothers_key(
    warmline: TestClient, peer: FakePeer
) -> None:
    """keyId says carol's key; mallory signs with hers."""
    mallory, carol = peer.add("mallory"), peer.add("carol")
    await known(warmline, mallory, carol)
    body = encode(create_note(carol))
    headers = cavage_headers(
        public_url(warmline, "/inbox"), body, key_id=carol.key_id, private_key=mallory.rsa
    )
    async with nothing_changed(warmline):
        await refused_4xx(await post(warmline, "/inbox", body, headers), 401)


@pytest.mark.parametrize(
    "shape",
    [
        "list: someone else first",
        "list: signer first, someone else second",
        "embedded: someone else",
        "embedded: someone else, with the signer as its url",
    ],
)
async def test_an_actor_list_or_embedded_actor_naming_someone_else_is_refused(
    warmline: TestClient, peer: FakePeer, shape: str
) -> None:
    mallory, carol = peer.add("mallory"), peer.add("carol")
    await known(warmline, mallory, carol)
    doc = create_note(mallory)
    if shape == "list: someone else first":
        doc["actor"] = [carol.id, mallory.id]
    elif shape.startswith("list: signer first"):
        doc["actor"] = [mallory.id, carol.id]
    elif shape == "embedded: someone else":
        doc["actor"] = {"id": carol.id, "type": "Person"}
    else:
        doc["actor"] = {"id": carol.id, "type": "Person", "url": mallory.id}
    doc["object"]["attributedTo"] = doc["actor"]
    body = encode(doc)
    async with nothing_changed(warmline):
        resp = await post(
            warmline, "/inbox", body, signed_headers(warmline, mallory, "/inbox", body)
        )
        await refused_4xx(resp)
