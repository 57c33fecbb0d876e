"""A professional profile crosses instances: two real ``warmline serve`` processes.

Bob (on B) follows alice (on A). Alice edits her profile through
``update_credentials``; A sends ``Update(Person)`` to B through the delivery
queue, B re-reads her actor from A and shows the new profile under the
``warmline`` key of ``GET /api/v1/accounts/:id``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import linkedin_samples as samples
import pytest

pytestmark = pytest.mark.slow

TIMEOUT = 20.0
PROFILE = {
    "headline": "Founder at Example Co",
    "industry": "Software",
    "location": "Lyon",
    "open_to": ["mentoring", "speaking"],
    "experience": [
        {"title": "Founder", "organization": "Example Co", "start": "2021-03", "end": None,
         "description": "Building bridges <between> people."},
        {"title": "Engineer", "organization": "Acme", "start": "2015-09-01", "end": "2021-02",
         "description": ""},
    ],
    "education": [{"school": "Lyon 1", "degree": "MSc", "field": "Physics", "start": "2010-09",
                   "end": "2015-06"}],
    "skills": ["Python", "Negotiation", "ActivityPub"],
    "links": [{"name": "Blog", "url": "https://alice.example/blog"}],
    "accepts_introductions": False,
}  # fmt: skip


class Api:
    def __init__(self, session: aiohttp.ClientSession, base: str, token: str) -> None:
        self.session, self.base, self.token = session, base, token

    async def call(self, method: str, path: str, *, status: int = 200, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.session.request(method, self.base + path, headers=headers, **kw) as resp:
            body = await resp.json(content_type=None)
            assert resp.status == status, f"{method} {path}: {resp.status} {body}"
            return body


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting until {what}")


def start_member(server_process: Any, name: str, username: str) -> tuple[Any, str]:
    proc = server_process(name)
    made = proc.cli("member", "create", username)
    assert made.returncode == 0, made.stderr
    token = proc.cli("token", "create", username, "--scopes", "read write follow")
    assert token.returncode == 0, token.stderr
    return proc, token.stdout.strip()


async def test_a_profile_update_reaches_a_follower_on_another_instance(
    server_process: Any,
) -> None:
    a, alice_token = start_member(server_process, "a", "alice")
    b, bob_token = start_member(server_process, "b", "bob")
    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token)
        bob = Api(session, b.base_url, bob_token)
        found = await bob.call(
            "GET",
            "/api/v2/search",
            params={"q": f"alice@{a.domain}", "resolve": "true", "type": "accounts"},
        )
        alice_at_b = found["accounts"][0]
        assert alice_at_b["warmline"]["headline"] == ""
        await bob.call("POST", f"/api/v1/accounts/{alice_at_b['id']}/follow")

        async def following() -> bool:
            rel = await bob.call(
                "GET", "/api/v1/accounts/relationships", params={"id[]": alice_at_b["id"]}
            )
            return bool(rel[0]["following"])

        await eventually(following, "alice accepted bob")

        me = await alice.call(
            "PATCH",
            "/api/v1/accounts/update_credentials",
            json={
                "note": "About alice.",
                "fields_attributes": [{"name": "Website", "value": "https://alice.example"}],
                "warmline": {**PROFILE, "connections_visibility": "private"},
            },
        )
        assert me["warmline"] == PROFILE

        async def shown_at_b() -> dict[str, Any]:
            return await bob.call("GET", f"/api/v1/accounts/{alice_at_b['id']}")

        async def updated() -> bool:
            return (await shown_at_b())["warmline"]["headline"] == PROFILE["headline"]

        await eventually(updated, "B shows alice's new profile")
        remote = await shown_at_b()
        assert remote["warmline"] == PROFILE  # the same structure, read back from the wire
        # B shows alice's own field once, and her about text without the copies
        # A adds for software that does not read Warmline's terms.
        assert [f["name"] for f in remote["fields"]] == ["Website"]
        assert remote["note"] == "<p>About alice.</p>"

        # A second, partial change travels the same way.
        await alice.call(
            "PATCH", "/api/v1/accounts/update_credentials", json={"warmline": {"skills": ["Go"]}}
        )

        async def skills_changed() -> bool:
            return (await shown_at_b())["warmline"]["skills"] == ["Go"]

        await eventually(skills_changed, "B shows alice's new skills")


async def test_imported_languages_and_certifications_show_on_another_instance(
    server_process: Any,
) -> None:
    a, alice_token = start_member(server_process, "a", "alice")
    b, bob_token = start_member(server_process, "b", "bob")
    async with aiohttp.ClientSession() as session:
        alice = Api(session, a.base_url, alice_token)
        bob = Api(session, b.base_url, bob_token)
        form = aiohttp.FormData()
        form.add_field(
            "file", samples.english_old(), filename="export.zip", content_type="application/zip"
        )
        await alice.call("POST", "/api/v1/warmline/import/linkedin", data=form)
        found = await bob.call(
            "GET",
            "/api/v2/search",
            params={"q": f"alice@{a.domain}", "resolve": "true", "type": "accounts"},
        )
        alice_at_b = found["accounts"][0]
        # B reads the structured terms and takes the readable copy off again.
        assert "Languages" not in [f["name"] for f in alice_at_b["fields"]]
        async with session.get(f"{b.base_url}/@alice@{a.domain}") as resp:
            assert resp.status == 200
            page = await resp.text()
        assert "French" in page and "Native or bilingual" in page
        assert "AWS Solutions Architect" in page and "Amazon" in page
