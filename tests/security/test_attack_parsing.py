# ruff: noqa: F811  (fixtures imported from attackkit)
"""Attack suite: parsing what a peer sends (sizes, compression, nesting,
remote contexts, explosions, type confusion).

Each case asserts the status (4xx, never 5xx), that nothing changed in any
table, and, where the document names URLs, that no forbidden address was
contacted (listeners on 127.0.0.2 and 127.0.0.3 record every request).

Already in tests/app/test_inbox_door.py (inbox items and statuses only):
test_a_body_over_the_cap_is_refused_before_anything_else,
test_a_body_over_the_cap_without_a_length_is_refused,
test_a_body_that_is_not_a_json_object_is_refused (incl. 100,000 nested arrays
at the top), test_a_body_that_is_not_utf8_is_refused,
test_an_activity_without_a_type_is_refused_with_a_readable_reason.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from fakepeer import FakePeer
from sqlalchemy import func, select

from server.appkeys import CONFIG, DB
from server.store import accounts as accounts_q
from server.store.tables import status_tags, statuses, tags
from tests.app.test_inbox_door import (
    AS_CONTEXT,
    PUBLIC,
    create_note,
    encode,
    process_inbox,
    signed_headers,
    status_by_uri,
)
from tests.security.attackkit import (  # noqa: F401 (fixtures)
    Forbidden,
    forbidden,
    known,
    nothing_changed,
    peer,
    refused_4xx,
    warmline,
)


async def send(client: TestClient, actor: Any, body: bytes, **headers: str) -> Any:
    signed = signed_headers(client, actor, "/inbox", body)
    return await client.post("/inbox", data=body, headers={**signed, **headers})


async def count(client: TestClient, table: Any) -> int:
    async with client.app[DB].read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


# --- size and compression ----------------------------------------------------------------


async def test_an_oversize_body_changes_nothing(warmline: TestClient, peer: FakePeer) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    cap = warmline.app[CONFIG].federation.max_inbox_bytes
    body = encode(create_note(bob, text="x" * cap))
    async with nothing_changed(warmline):
        await refused_4xx(await send(warmline, bob, body), 413)


async def test_a_content_length_that_lies_changes_nothing(
    warmline: TestClient, peer: FakePeer
) -> None:
    """A small Content-Length in front of a big body (chunked anyway)."""
    bob = peer.add("bob")
    await known(warmline, bob)
    cap = warmline.app[CONFIG].federation.max_inbox_bytes
    body = encode(create_note(bob, text="x" * cap))

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    async with nothing_changed(warmline):
        resp = await warmline.post(
            "/inbox", data=chunks(), headers=signed_headers(warmline, bob, "/inbox", body)
        )
        await refused_4xx(resp, 413)


def _bomb(encoding: str, size: int) -> bytes:
    raw = b'{"type": "Create", "content": "' + b"A" * size + b'"}'
    if encoding == "gzip":
        return gzip.compress(raw, 9)
    return zlib.compress(raw, 9)  # HTTP "deflate" is the zlib format


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_compressed_bomb_changes_nothing(
    warmline: TestClient, peer: FakePeer, encoding: str
) -> None:
    """64 MiB of text in ~64 KiB: refused without inflating it all (or at all)."""
    bob = peer.add("bob")
    await known(warmline, bob)
    body = _bomb(encoding, 64 * 1024 * 1024)
    assert len(body) < 200_000
    async with nothing_changed(warmline):
        resp = await send(warmline, bob, body, **{"Content-Encoding": encoding})
        await refused_4xx(resp)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "x-unknown"])
async def test_a_small_compressed_activity_never_crashes_the_door(
    warmline: TestClient, peer: FakePeer, encoding: str
) -> None:
    """Signed over the compressed bytes (as a peer would): refused or accepted
    whole, never a 5xx; if refused, nothing changed."""
    bob = peer.add("bob")
    await known(warmline, bob)
    raw = encode(create_note(bob))
    body = gzip.compress(raw) if encoding == "gzip" else zlib.compress(raw)
    async with nothing_changed(warmline, ignore=("inbox_items",)):
        resp = await send(warmline, bob, body, **{"Content-Encoding": encoding})
        text = await resp.text()
        assert resp.status < 500, text
        if resp.status >= 400:
            assert await count(warmline, statuses) == 0


# --- nesting ------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["content", "tag", "object", "context"])
@pytest.mark.parametrize("bracket", ["arrays", "objects"])
async def test_deep_nesting_inside_an_activity_changes_nothing(
    warmline: TestClient, peer: FakePeer, where: str, bracket: str
) -> None:
    """10,000 nested arrays (or objects) in a field of an otherwise fine activity."""
    bob = peer.add("bob")
    await known(warmline, bob)
    depth = 10_000
    nested = (
        "[" * depth + "]" * depth if bracket == "arrays" else '{"a":' * depth + "1" + "}" * depth
    )
    marker = '"__NESTED__"'
    doc = create_note(bob)
    if where == "content":
        doc["object"]["content"] = "__NESTED__"
    elif where == "tag":
        doc["object"]["tag"] = "__NESTED__"
    elif where == "object":
        doc["object"] = "__NESTED__"
    else:
        doc["@context"] = "__NESTED__"
    body = encode(doc).replace(marker.encode(), nested.encode())
    async with nothing_changed(warmline):
        await refused_4xx(await send(warmline, bob, body), 400)


# --- remote @context ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "where",
    ["activity list", "activity string", "object", "scoped in a term", "@import"],
)
async def test_a_remote_context_is_never_fetched(
    warmline: TestClient, peer: FakePeer, forbidden: Forbidden, where: str
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    remote = forbidden.url("/context.jsonld")
    doc = create_note(bob)
    if where == "activity list":
        doc["@context"] = [AS_CONTEXT, remote]
    elif where == "activity string":
        doc["@context"] = remote
    elif where == "object":
        doc["object"]["@context"] = [AS_CONTEXT, remote]
    elif where == "scoped in a term":
        doc["@context"] = [AS_CONTEXT, {"x": {"@id": "http://x.test/x", "@context": remote}}]
        doc["x"] = {"y": 1}
    else:
        doc["@context"] = [AS_CONTEXT, {"@import": remote}]
    resp = await send(warmline, bob, encode(doc))
    assert resp.status < 500, await resp.text()
    assert resp.status in (202, 400), await resp.text()
    await process_inbox(warmline)
    assert forbidden.hits == []


# --- explosions -------------------------------------------------------------------------


def _within_cap(client: TestClient, doc: dict[str, Any]) -> None:
    assert len(encode(doc)) < client.app[CONFIG].federation.max_inbox_bytes


@pytest.mark.parametrize("field", ["to", "cc", "bto", "audience"])
async def test_a_huge_audience_contacts_no_one_and_stores_one_note(
    warmline: TestClient, peer: FakePeer, forbidden: Forbidden, field: str
) -> None:
    """3,500 addresses (followers collections and actors on forbidden hosts):
    refused, or stored once; never fetched one by one."""
    bob = peer.add("bob")
    await known(warmline, bob)
    many = [forbidden.url(f"/u/{i}", "127.0.0.2" if i % 2 else "127.0.0.3") for i in range(3500)]
    doc = create_note(bob)
    doc[field] = [PUBLIC, *many]
    doc["object"][field] = [PUBLIC, *many]
    _within_cap(warmline, doc)
    resp = await send(warmline, bob, encode(doc))
    assert resp.status < 500, await resp.text()
    await process_inbox(warmline)
    assert forbidden.hits == []
    assert await count(warmline, statuses) <= 1


@pytest.mark.parametrize("kind", ["Mention", "Hashtag", "Emoji"])
async def test_a_huge_tag_list_contacts_no_one_and_stays_bounded(
    warmline: TestClient, peer: FakePeer, forbidden: Forbidden, kind: str
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    tag_list: list[dict[str, Any]] = []
    for i in range(2500):
        if kind == "Mention":
            tag_list.append({"type": "Mention", "href": forbidden.url(f"/u/{i}"), "name": f"@u{i}"})
        elif kind == "Hashtag":
            tag_list.append({"type": "Hashtag", "name": f"#t{i}", "href": f"http://x.test/{i}"})
        else:
            tag_list.append(
                {"type": "Emoji", "name": f":e{i}:", "icon": {"url": forbidden.url(f"/e{i}.png")}}
            )
    doc = create_note(bob)
    doc["object"]["tag"] = tag_list
    _within_cap(warmline, doc)
    async with nothing_changed(warmline, ignore=("inbox_items", "statuses", "status_tags",
                                                 "tags", "account_stats", "mentions",
                                                 "notifications", "home_feed")):  # fmt: skip
        resp = await send(warmline, bob, encode(doc))
        assert resp.status < 500, await resp.text()
        await process_inbox(warmline)
    assert forbidden.hits == []
    assert await count(warmline, statuses) <= 1
    assert await count(warmline, tags) <= 100 and await count(warmline, status_tags) <= 100


# --- type confusion ------------------------------------------------------------------------


TYPE_CONFUSION: dict[str, tuple[str, Any]] = {
    "type number": ("type", 42),
    "type object": ("type", {"@id": "Create"}),
    "type list of junk": ("type", [5, None, {"a": 1}]),
    "type empty list": ("type", []),
    "type null": ("type", None),
    "object number": ("object", 42),
    "object boolean": ("object", True),
    "object list of junk": ("object", [1, [2], None]),
    "actor number": ("actor", 42),
    "actor null": ("actor", None),
    "actor empty list": ("actor", []),
    "id number": ("id", 42),
    "id object": ("id", {"id": "http://x.test/1"}),
    "to number": ("to", 42),
    "@context number": ("@context", 42),
    "object type number": ("object.type", 7),
}
# Known failures, as xfail(strict=True, reason=...) marks by case name (none now).
XFAIL: dict[str, Any] = {}

# Junk in fields of the note that the door lets through (the note is still the
# signer's): never a 5xx, at most one status, the signer's, with text content.
TOLERATED: dict[str, tuple[str, Any]] = {
    "object content object": ("content", {"a": "b"}),
    "object attributedTo number": ("attributedTo", 3),
    "object tag string": ("tag", "not a tag"),
    "object published junk": ("published", "yesterday-ish"),
    "object inReplyTo number": ("inReplyTo", 1),
    "object url number": ("url", 5),
    "object summary list": ("summary", ["a", 1]),
}


@pytest.mark.parametrize(
    "case", [pytest.param(c, marks=XFAIL.get(c, ())) for c in sorted(TYPE_CONFUSION)]
)
async def test_type_confusion_changes_nothing(
    warmline: TestClient, peer: FakePeer, case: str
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    path, value = TYPE_CONFUSION[case]
    doc = create_note(bob)
    if path.startswith("object."):
        doc["object"][path.split(".", 1)[1]] = value
    else:
        doc[path] = value
    async with nothing_changed(warmline, ignore=("inbox_items",)):
        resp = await send(warmline, bob, encode(doc))
        assert resp.status < 500, await resp.text()
        if resp.status == 202:
            await process_inbox(warmline)
    assert resp.status == 400, f"{case}: {resp.status}"


@pytest.mark.parametrize("case", sorted(TOLERATED))
async def test_junk_in_a_note_field_is_refused_or_kept_as_the_signers(
    warmline: TestClient, peer: FakePeer, case: str
) -> None:
    bob = peer.add("bob")
    await known(warmline, bob)
    name, value = TOLERATED[case]
    doc = create_note(bob)
    doc["object"][name] = value
    resp = await send(warmline, bob, encode(doc))
    assert resp.status < 500, await resp.text()
    assert resp.status in (202, 400), await resp.text()
    await process_inbox(warmline)
    found = await status_by_uri(warmline, doc["object"]["id"])
    assert await count(warmline, statuses) == (1 if found else 0)
    if found is not None:
        async with warmline.app[DB].read() as conn:
            author = await accounts_q.get_account(conn, found.account_id)
        assert author is not None and author.uri == bob.id
        assert isinstance(found.content, str)


@pytest.mark.parametrize("field", ["to", "cc"])
async def test_an_object_in_the_audience_is_ignored_not_a_5xx(
    warmline: TestClient, peer: FakePeer, field: str
) -> None:
    """AS2 allows objects in ``to``/``cc``; one that names nothing is left out (it
    gave a 500 once: the fast JSON-LD path hashed every entry), and the note
    stays the signer's."""
    bob = peer.add("bob")
    await known(warmline, bob)
    doc = create_note(bob)
    doc[field] = [*doc.get(field, []), {"x": 1}]
    resp = await send(warmline, bob, encode(doc))
    assert resp.status == 202, await resp.text()
    await process_inbox(warmline)
    found = await status_by_uri(warmline, doc["object"]["id"])
    assert found is not None
    async with warmline.app[DB].read() as conn:
        author = await accounts_q.get_account(conn, found.account_id)
    assert author is not None and author.uri == bob.id
