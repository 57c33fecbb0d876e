"""An image crosses instances: two real ``warmline serve`` processes.

Bob (on B) follows alice (on A). Alice uploads a picture and posts it; B shows
the post with the attachment pointing at A's media URL (B never fetches or
proxies it), and that URL serves the image.
"""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import pytest
from fedapi import Api, eventually
from PIL import Image

pytestmark = pytest.mark.slow


def start_member(server_process: Any, name: str, username: str) -> tuple[Any, str]:
    proc = server_process(name)
    made = proc.cli("member", "create", username)
    assert made.returncode == 0, made.stderr
    token = proc.cli("token", "create", username, "--scopes", "read write follow")
    assert token.returncode == 0, token.stderr
    return proc, token.stdout.strip()


async def test_a_post_with_an_image_reaches_another_instance(server_process: Any) -> None:
    a, alice_token = start_member(server_process, "a", "alice")
    b, bob_token = start_member(server_process, "b", "bob")
    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token, f"alice@{a.domain}")
        bob = Api(session, b.base_url, bob_token, f"bob@{b.domain}")
        alice_at_b = await bob.find(alice.handle)
        await bob.post(f"/api/v1/accounts/{alice_at_b['id']}/follow")

        async def following() -> bool:
            return bool((await bob.relationship(alice_at_b["id"]))["following"])

        await eventually(following, "alice accepted bob")

        picture = io.BytesIO()
        Image.new("RGB", (64, 48), (20, 160, 90)).save(picture, "PNG")
        form = aiohttp.FormData()
        form.add_field("file", picture.getvalue(), filename="p.png", content_type="image/png")
        form.add_field("description", "A green rectangle")
        media = await alice.post("/api/v2/media", data=form)
        assert media["url"].startswith(a.base_url + "/media/")
        await alice.post("/api/v1/statuses", json={"status": "", "media_ids": [media["id"]]})

        async def shown_at_b() -> Any:
            home = await bob.get("/api/v1/timelines/home")
            return [s for s in home if s["media_attachments"]]

        [status] = await eventually(shown_at_b, "B shows alice's picture")
        [attachment] = status["media_attachments"]
        assert attachment["remote_url"] == media["url"] == attachment["url"]
        assert attachment["description"] == "A green rectangle"
        assert attachment["blurhash"] == media["blurhash"]
        assert attachment["meta"]["original"]["width"] == 64
        async with session.get(attachment["url"]) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "image/png"
            assert Image.open(io.BytesIO(await resp.read())).size == (64, 48)
