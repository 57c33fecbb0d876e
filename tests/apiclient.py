"""A member driving the API of an in-process app in tests (tests/app)."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from server.appkeys import DB
from server.services import members, tokens


class Member:
    def __init__(self, client: TestClient, token: str, account_id: str) -> None:
        self.client, self.token, self.id = client, token, account_id

    def _h(self, kw: dict[str, Any] | None = None) -> dict[str, str]:
        """The bearer token, plus any headers the call passed."""
        extra = (kw or {}).pop("headers", None) or {}
        return {"Authorization": f"Bearer {self.token}", **extra}

    async def get(self, path: str, status: int = 200, **kw: Any) -> Any:
        resp = await self.client.get(path, headers=self._h(kw), **kw)
        assert resp.status == status, await resp.text()
        return await resp.json()

    async def post(self, path: str, status: int = 200, **kw: Any) -> Any:
        resp = await self.client.post(path, headers=self._h(kw), **kw)
        assert resp.status == status, await resp.text()
        return await resp.json()

    async def put(self, path: str, status: int = 200, **kw: Any) -> Any:
        resp = await self.client.put(path, headers=self._h(kw), **kw)
        assert resp.status == status, await resp.text()
        return await resp.json()

    async def delete(self, path: str, status: int = 200) -> Any:
        resp = await self.client.delete(path, headers=self._h())
        assert resp.status == status, await resp.text()
        return await resp.json()


async def member(client: TestClient, username: str, **kw: Any) -> Member:
    db = client.app[DB]
    try:
        account = await members.create_member(db, username)
    except Exception:
        account = await members.get_member(db, username)
    if kw:
        account = await members.update_profile(db, username, members.ProfileChanges(**kw))
    return Member(client, await tokens.create_token(db, username), str(account.id))
