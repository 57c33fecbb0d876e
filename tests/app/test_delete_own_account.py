"""A member deletes their own account from the settings: their password and
their username typed out; then it is gone here, told elsewhere, and what the
newer features kept of them (imports, aliases, answers to events) goes too.

Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from webclient import PASSWORD, Browser, member_with_password

from server.appkeys import DB
from server.services import members
from server.store import moves as moves_q


@pytest.fixture
async def client(start: Any) -> TestClient:
    return await start()


async def test_a_member_deletes_their_own_account(client: TestClient) -> None:
    await member_with_password(client, "dora")
    web = Browser(client)
    await web.sign_in("dora")
    page = await web.get("/settings/delete")
    assert "This cannot be undone" in page
    db = client.app[DB]
    dora = await members.get_member(db, "dora")
    async with db.transaction() as conn:
        await moves_q.add_alias(
            conn, dora.id, "https://elsewhere.example/users/dora", dora.created_at
        )

    wrong = await web.post("/settings/delete", {"confirm": "dor", "password": "x"}, status=422)
    assert "Type your username to confirm" in wrong.body_text
    wrong = await web.post("/settings/delete", {"confirm": "dora", "password": "nope"}, status=422)
    assert "This is not your password" in wrong.body_text and 'value="nope"' not in wrong.body_text
    await members.get_member(db, "dora")  # still here

    gone = await web.post("/settings/delete", {"confirm": "@Dora", "password": PASSWORD})
    assert gone.headers["Location"] == "/"
    with pytest.raises(members.MemberDeleted):
        await members.get_member(db, "dora")
    async with db.read() as conn:
        assert await moves_q.aliases(conn, dora.id) == []
    # The session ended with it, and the handle stays taken.
    await web.get("/settings/delete", status=303)
    with pytest.raises(Exception, match="taken"):
        await members.create_member(db, "dora")
