"""Driving real Warmline processes through the API in multi-instance tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

TIMEOUT = 20.0


class Api:
    """One member's API session on one instance."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str, handle: str) -> None:
        self.session, self.base, self.token, self.handle = session, base, token, handle

    async def call(self, method: str, path: str, *, status: int = 200, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with self.session.request(method, self.base + path, headers=headers, **kw) as resp:
            body = await resp.json(content_type=None)
            assert resp.status == status, f"{method} {path}: {resp.status} {body}"
            return body

    async def get(self, path: str, **kw: Any) -> Any:
        return await self.call("GET", path, **kw)

    async def post(self, path: str, **kw: Any) -> Any:
        return await self.call("POST", path, **kw)

    async def find(self, handle: str) -> dict[str, Any]:
        """Resolve a remote account through search, as apps do."""
        found = await self.get(
            "/api/v2/search", params={"q": handle, "resolve": "true", "type": "accounts"}
        )
        assert len(found["accounts"]) == 1, found
        return found["accounts"][0]

    async def relationship(self, account_id: str) -> dict[str, Any]:
        return (await self.get("/api/v1/accounts/relationships", params={"id[]": account_id}))[0]

    async def home_texts(self) -> list[str]:
        return [
            s["content"] or s["reblog"]["content"] for s in await self.get("/api/v1/timelines/home")
        ]

    async def notification_types(self) -> list[str]:
        """Every notification's type, Warmline's own included."""
        found = await self.get("/api/v1/notifications", params={"warmline": "true"})
        return sorted(n["type"] for n in found)


async def eventually(check: Callable[[], Awaitable[Any]], what: str) -> Any:
    """Poll ``check`` until it returns something truthy, and return that."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting until {what}")


def start_member(server_process: Any, name: str, username: str) -> tuple[Any, str]:
    proc = server_process(name)
    made = proc.cli("member", "create", username)
    assert made.returncode == 0, made.stderr
    token = proc.cli("token", "create", username, "--scopes", "read write follow")
    assert token.returncode == 0, token.stderr
    return proc, token.stdout.strip()
