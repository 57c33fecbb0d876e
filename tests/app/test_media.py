"""Media: uploads, their files, attachments on posts and Notes, remote images,
avatars and headers; on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

from aiohttp import FormData
from aiohttp.test_utils import TestClient
from apiclient import Member, member
from PIL import Image
from sqlalchemy import select

from server.app import create_app
from server.appkeys import DB
from server.config import Config, MediaSettings, with_overrides
from server.store.tables import activities

AS2 = "application/activity+json"


def jpeg_with_gps_and_orientation(width: int = 60, height: int = 40) -> bytes:
    """A JPEG whose EXIF says: rotate 90° (orientation 6), and where it was taken."""
    image = Image.new("RGB", (width, height), (200, 30, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (52.0, 30.0, 0.0), 3: "E", 4: (13.0, 24.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the test image has GPS
    return data


def png(width: int = 50, height: int = 30, mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (10, 120, 200, 128)[: len(mode)]).save(out, "PNG")
    return out.getvalue()


def form(data: bytes, filename: str, content_type: str, **fields: str) -> FormData:
    body = FormData()
    body.add_field("file", data, filename=filename, content_type=content_type)
    for name, value in fields.items():
        body.add_field(name, value)
    return body


async def upload(alice: Member, data: bytes, filename: str = "photo.jpg", **kw: Any) -> Any:
    status = kw.pop("status", 200)
    content_type = kw.pop("content_type", "image/jpeg")
    path = kw.pop("path", "/api/v2/media")
    return await alice.post(path, status, data=form(data, filename, content_type, **kw))


async def fetch(client: TestClient, url: str) -> tuple[bytes, Any]:
    path = url.split("a.test", 1)[1]
    resp = await client.get(path)
    assert resp.status == 200, await resp.text()
    return await resp.read(), resp.headers


async def refused(resp: Any, status: int) -> str:
    assert resp.status == status, await resp.text()
    body = await resp.json()
    assert isinstance(body["error"], str) and body["error"]
    return body["error"]


# --- uploads -----------------------------------------------------------------------------


async def test_an_upload_is_cleaned_rotated_and_served(client: TestClient) -> None:
    alice = await member(client, "alice")
    entity = await upload(
        alice, jpeg_with_gps_and_orientation(), description="A red square", focus="0.5,-0.25"
    )
    assert entity["type"] == "image" and entity["id"].isdigit()
    assert entity["remote_url"] is None
    assert entity["description"] == "A red square"
    assert entity["blurhash"] and len(entity["blurhash"]) >= 6
    assert entity["url"].startswith("http://a.test/media/") and entity["url"].endswith(".jpg")
    assert entity["preview_url"].startswith("http://a.test/media/")
    assert entity["preview_url"] != entity["url"]
    # The EXIF orientation was applied: 60x40 turned on its side.
    original = entity["meta"]["original"]
    assert (original["width"], original["height"], original["size"]) == (40, 60, "40x60")
    assert original["aspect"] == round(40 / 60, 4)
    assert entity["meta"]["small"]["width"] <= 400
    assert entity["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    # The file: served with its type, cached, not sniffed; no EXIF (so no GPS) left.
    data, headers = await fetch(client, entity["url"])
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in headers["Cache-Control"]
    served = Image.open(io.BytesIO(data))
    assert served.size == (40, 60)
    assert not served.getexif()
    assert not served.getexif().get_ifd(0x8825)
    assert "exif" not in served.info and "icc_profile" not in served.info
    thumb, headers = await fetch(client, entity["preview_url"])
    assert Image.open(io.BytesIO(thumb)).format == "JPEG"
    # v1 answers the same way; GET shows one's own upload.
    again = await upload(alice, png(), "x.png", content_type="image/png", path="/api/v1/media")
    assert again["url"].endswith(".png")
    assert (await alice.get(f"/api/v1/media/{entity['id']}"))["url"] == entity["url"]


async def test_the_content_decides_not_the_name_or_declared_type(client: TestClient) -> None:
    alice = await member(client, "alice")
    entity = await upload(alice, png(), "holiday.jpg", content_type="image/jpeg")
    assert entity["url"].endswith(".png")
    data, headers = await fetch(client, entity["url"])
    assert headers["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(data)).format == "PNG"
    webp = io.BytesIO()
    Image.new("RGB", (20, 20)).save(webp, "WEBP")
    assert (await upload(alice, webp.getvalue(), "a.bin", content_type="x/y"))["url"].endswith(
        ".webp"
    )
    text = b"just some text, not a picture\n" * 10
    resp = await client.post(
        "/api/v2/media", data=form(text, "cat.png", "image/png"), headers=alice._h()
    )
    assert "not a JPEG, PNG or WebP" in await refused(resp, 422)
    gif = io.BytesIO()
    Image.new("RGB", (5, 5)).save(gif, "GIF")
    resp = await client.post(
        "/api/v2/media", data=form(gif.getvalue(), "a.png", "image/png"), headers=alice._h()
    )
    await refused(resp, 422)
    truncated = png(200, 200, "RGB")[:120]
    resp = await client.post(
        "/api/v2/media", data=form(truncated, "a.png", "image/png"), headers=alice._h()
    )
    await refused(resp, 422)


async def test_refusals_say_why(client: TestClient) -> None:
    alice = await member(client, "alice")
    resp = await client.post("/api/v2/media", data=form(png(), "a.png", "image/png"))
    await refused(resp, 401)
    resp = await client.post("/api/v2/media", data={"description": "x"}, headers=alice._h())
    assert "file" in await refused(resp, 422)
    resp = await client.post(
        "/api/v2/media",
        data=form(png(), "a.png", "image/png", description="x" * 1501),
        headers=alice._h(),
    )
    await refused(resp, 422)
    for focus in ("2,0", "a,b", "0.5", "nan,nan"):
        resp = await client.post(
            "/api/v2/media", data=form(png(), "a.png", "image/png", focus=focus), headers=alice._h()
        )
        assert "focus" in await refused(resp, 422)


async def test_size_and_pixel_caps(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    config = with_overrides(
        make_config(domain="a.test", database_url=database_url),
        media=MediaSettings(max_image_bytes=20_000, max_image_pixels=10_000),
    )
    client = await aiohttp_client(create_app(config, workers=False))
    alice = await member(client, "alice")
    noise = Image.effect_noise((300, 300), 100).convert("RGB")
    big = io.BytesIO()
    noise.save(big, "PNG")
    assert len(big.getvalue()) > 20_000
    resp = await client.post(
        "/api/v2/media", data=form(big.getvalue(), "a.png", "image/png"), headers=alice._h()
    )
    await refused(resp, 413)
    # A small file of many pixels (a decompression bomb's shape) is refused before decoding.
    bomb = png(1000, 1000, "L")
    assert len(bomb) < 20_000
    resp = await client.post(
        "/api/v2/media", data=form(bomb, "a.png", "image/png"), headers=alice._h()
    )
    assert "pixels" in await refused(resp, 422)
    assert (await upload(alice, png(90, 90), "ok.png", content_type="image/png"))["id"]


async def test_describing_ones_own_unattached_upload(client: TestClient) -> None:
    alice = await member(client, "alice")
    bob = await member(client, "bob")
    entity = await upload(alice, png(), "a.png", content_type="image/png")
    path = f"/api/v1/media/{entity['id']}"
    changed = await alice.put(path, json={"description": "Now described", "focus": "-1,1"})
    assert changed["description"] == "Now described"
    assert changed["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    form_changed = await alice.put(path, data={"description": "By form"})
    assert form_changed["description"] == "By form"
    assert form_changed["meta"]["focus"] == {"x": -1.0, "y": 1.0}
    await refused(await client.put(path, json={"focus": "3,3"}, headers=alice._h()), 422)
    await refused(await client.get(path, headers=bob._h()), 404)
    await refused(await client.put(path, json={"description": "x"}, headers=bob._h()), 404)
    await refused(await client.get("/api/v1/media/123456", headers=alice._h()), 404)
    # Once on a post it is the post's: edit the post instead.
    await alice.post("/api/v1/statuses", json={"status": "", "media_ids": [entity["id"]]})
    await refused(await client.put(path, json={"description": "x"}, headers=alice._h()), 404)


async def test_the_media_route_serves_only_our_files(client: TestClient) -> None:
    for path in (
        "/media/..%2Fwarmline.sqlite3",
        "/media/../warmline.sqlite3",
        "/media/warmline.sqlite3",
        "/media/" + "A" * 32 + ".jpg",
        "/media/" + "A" * 32 + ".txt",
        "/media/.hidden.jpg",
    ):
        resp = await client.get(path)
        assert resp.status == 404, path


# --- attachments on posts -----------------------------------------------------------


async def test_a_post_with_images_and_its_note(client: TestClient) -> None:
    alice = await member(client, "alice")
    first = await upload(alice, jpeg_with_gps_and_orientation(), description="Red", focus="0,1")
    second = await upload(alice, png(), "b.png", content_type="image/png")
    status = await alice.post(
        "/api/v1/statuses", json={"status": "", "media_ids": [second["id"], first["id"]]}
    )
    assert [m["id"] for m in status["media_attachments"]] == [second["id"], first["id"]]
    assert status["media_attachments"][1]["description"] == "Red"
    shown = await alice.get(f"/api/v1/statuses/{status['id']}")
    assert shown["media_attachments"] == status["media_attachments"]
    home = await alice.get("/api/v1/timelines/home")
    assert home[0]["media_attachments"] == status["media_attachments"]
    # The Note says it the way Mastodon does.
    resp = await client.get(f"/users/alice/statuses/{status['id']}", headers={"Accept": AS2})
    note = json.loads(await resp.text())
    assert [a["url"] for a in note["attachment"]] == [second["url"], first["url"]]
    red = note["attachment"][1]
    assert red["type"] == "Document" and red["mediaType"] == "image/jpeg"
    assert red["name"] == "Red" and red["focalPoint"] == [0.0, 1.0]
    assert (red["width"], red["height"]) == (40, 60) and red["blurhash"] == first["blurhash"]
    # The Create that was sent carries the same attachments.
    async with client.app[DB].read() as conn:
        docs = [
            json.loads(row) if isinstance(row, str) else row
            for row in (await conn.execute(select(activities.c.payload))).scalars()
        ]
    sent = [d for d in docs if d.get("type") == "Create"]
    assert sent and sent[-1]["object"]["attachment"] == note["attachment"]


async def test_attaching_refusals_and_edits(client: TestClient) -> None:
    alice = await member(client, "alice")
    bob = await member(client, "bob")
    mine = [
        (await upload(alice, png(), f"{i}.png", content_type="image/png"))["id"] for i in range(5)
    ]
    bobs = (await upload(bob, png(), "b.png", content_type="image/png"))["id"]

    async def post(body: dict[str, Any]) -> str:
        resp = await client.post("/api/v1/statuses", json=body, headers=alice._h())
        return await refused(resp, 422)

    assert "at most 4" in await post({"status": "x", "media_ids": mine})
    assert "own uploads" in await post({"status": "x", "media_ids": [bobs]})
    assert "own uploads" in await post({"status": "x", "media_ids": ["999999"]})
    await post({"status": "x", "media_ids": ["abc"]})
    await post({"status": "", "media_ids": []})
    status = await alice.post(
        "/api/v1/statuses", data=[("status", "form"), ("media_ids[]", mine[0])]
    )
    assert [m["id"] for m in status["media_attachments"]] == [mine[0]]
    assert "own uploads" in await post({"status": "again", "media_ids": [mine[0]]})
    # An edit keeps what it lists, may add free uploads, and drops the rest.
    edited = await alice.put(
        f"/api/v1/statuses/{status['id']}",
        json={"status": "edited", "media_ids": [mine[1], mine[0]]},
    )
    assert [m["id"] for m in edited["media_attachments"]] == [mine[1], mine[0]]
    edited = await alice.put(f"/api/v1/statuses/{status['id']}", json={"status": "no pictures"})
    assert edited["media_attachments"] == []
    again = await alice.post("/api/v1/statuses", json={"status": "", "media_ids": [mine[0]]})
    assert again["media_attachments"][0]["id"] == mine[0]


# --- avatars and headers ------------------------------------------------------------------


async def test_avatar_and_header_uploads(client: TestClient) -> None:
    alice = await member(client, "alice")
    body = FormData()
    body.add_field("display_name", "Alice A.")
    body.add_field("avatar", png(900, 600), filename="me.png", content_type="image/png")
    header = io.BytesIO()
    Image.new("RGB", (3000, 800), (1, 2, 3)).save(header, "JPEG")
    body.add_field("header", header.getvalue(), filename="h.jpg", content_type="image/jpeg")
    account = await alice.client.patch(
        "/api/v1/accounts/update_credentials", data=body, headers=alice._h()
    )
    assert account.status == 200, await account.text()
    entity = await account.json()
    assert entity["display_name"] == "Alice A."
    assert entity["avatar"].startswith("http://a.test/media/") and entity["avatar"].endswith(".png")
    assert entity["avatar_static"] == entity["avatar"]
    assert entity["header"].startswith("http://a.test/media/")
    data, _ = await fetch(client, entity["avatar"])
    assert Image.open(io.BytesIO(data)).size == (400, 400)
    data, _ = await fetch(client, entity["header"])
    width, height = Image.open(io.BytesIO(data)).size
    assert width <= 1500 and height <= 500
    assert (await alice.get("/api/v1/accounts/verify_credentials"))["avatar"] == entity["avatar"]
    resp = await client.get("/users/alice", headers={"Accept": AS2})
    actor = json.loads(await resp.text())
    assert actor["icon"] == {"type": "Image", "mediaType": "image/png", "url": entity["avatar"]}
    assert actor["image"]["url"] == entity["header"]
    assert actor["image"]["mediaType"] == "image/jpeg"
    # Not an image, or not a file: refused, nothing changed.
    bad = FormData()
    bad.add_field("avatar", b"hello", filename="a.png", content_type="image/png")
    resp = await client.patch("/api/v1/accounts/update_credentials", data=bad, headers=alice._h())
    await refused(resp, 422)
    resp = await client.patch(
        "/api/v1/accounts/update_credentials", json={"avatar": "x"}, headers=alice._h()
    )
    await refused(resp, 422)
    assert (await alice.get("/api/v1/accounts/verify_credentials"))["avatar"] == entity["avatar"]


# --- images of remote posts -------------------------------------------------------------


async def test_an_incoming_note_keeps_its_images_as_remote_urls(
    aiohttp_client: Any, make_config: Callable[..., Config], database_url: str
) -> None:
    from fakepeer import fake_peer

    from federation.httpsig import sign_cavage
    from server.appkeys import CONFIG, SERVICES
    from server.workers.inbox import InboxWorker

    config = make_config(domain="a.test", database_url=database_url)
    client = await aiohttp_client(create_app(config, workers=False))
    alice = await member(client, "alice")
    async with fake_peer() as peer:
        bob = peer.add("bob")
        first_url = f"{peer.origin}/a.jpg"
        image = {"type": "Document", "mediaType": "image/jpeg", "url": first_url}
        attachment = [
            {**image, "name": "A view", "width": 800, "height": 600, "focalPoint": [0.1, 0.2]},
            {"type": "Image", "url": {"type": "Link", "href": "https://cdn.test/b.png"}},
            {**image, "url": "javascript:alert(1)"},
            {**image, "mediaType": "video/mp4"},
            "not an object",
        ]
        note = {
            "id": f"{peer.origin}/notes/1",
            "type": "Note",
            "attributedTo": bob.id,
            "content": "<p>Look @alice</p>",
            "published": "2024-05-01T10:00:00Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": ["http://a.test/users/alice"],
            "tag": [{"type": "Mention", "href": "http://a.test/users/alice"}],
            "attachment": attachment,
        }
        doc = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{peer.origin}/activities/1",
            "type": "Create",
            "actor": bob.id,
            "object": note,
            "to": note["to"],
            "cc": note["cc"],
        }
        body = json.dumps(doc).encode()
        headers = {"Host": "a.test", "Content-Type": AS2}
        url = client.app[CONFIG].base_url + "/inbox"
        headers |= sign_cavage("POST", url, headers, body, key_id=bob.key_id, private_key=bob.rsa)
        resp = await client.post("/inbox", data=body, headers=headers)
        assert resp.status == 202, await resp.text()
        assert await InboxWorker(client.app[SERVICES]).run_once() == 1
    [notification] = await alice.get("/api/v1/notifications")
    media = notification["status"]["media_attachments"]
    assert [m["remote_url"] for m in media] == [first_url, "https://cdn.test/b.png"]
    assert all(m["url"] == m["remote_url"] == m["preview_url"] for m in media)
    assert media[0]["description"] == "A view" and media[1]["description"] is None
    assert media[0]["meta"]["original"]["width"] == 800
    assert media[0]["meta"]["focus"] == {"x": 0.1, "y": 0.2}
    # Remote images are nobody's uploads here: they cannot be attached or described.
    resp = await client.post(
        "/api/v1/statuses", json={"status": "x", "media_ids": [media[0]["id"]]}, headers=alice._h()
    )
    await refused(resp, 422)


async def test_a_multipart_body_with_broken_part_headers_is_a_422(client: TestClient) -> None:
    """Found by the property-based run: a part header aiohttp cannot parse was a 500."""
    alice = await member(client, "alice")
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="\xc2\x93\x16\x04"\r\n\r\nx\r\n--XyZ--\r\n'
    )
    for path in ("/api/v2/media", "/api/v1/accounts/update_credentials"):
        method = client.patch if "update" in path else client.post
        resp = await method(
            path,
            data=body,
            headers={
                "Authorization": f"Bearer {alice.token}",
                "Content-Type": "multipart/form-data; boundary=XyZ",
            },
        )
        assert "could not be read" in await refused(resp, 422)
