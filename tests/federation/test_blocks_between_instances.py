"""A member of one real instance blocks a member of another, and unblocks.

ann (instance A) and bea (B) follow each other. When ann blocks bea, A sends
Block and Undo(Follow) through its delivery queue; B, applying them, drops
both follows and shows bea ``blocked_by``. Unblocking sends Undo(Block): the
block is lifted on B and the follows stay ended.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from fedapi import Api, eventually, start_member

pytestmark = pytest.mark.slow


async def test_a_block_crosses_to_the_other_instance(server_process: Any) -> None:
    a, ann_token = start_member(server_process, "a", "ann")
    b, bea_token = start_member(server_process, "b", "bea")
    async with aiohttp.ClientSession() as session:
        ann = Api(session, a.base_url, ann_token, f"ann@{a.domain}")
        bea = Api(session, b.base_url, bea_token, f"bea@{b.domain}")
        bea_at_a = await ann.find(bea.handle)
        ann_at_b = await bea.find(ann.handle)
        await ann.post(f"/api/v1/accounts/{bea_at_a['id']}/follow")
        await bea.post(f"/api/v1/accounts/{ann_at_b['id']}/follow")

        async def mutual() -> bool:
            seen = await bea.relationship(ann_at_b["id"])
            return bool(seen["following"] and seen["followed_by"])

        await eventually(mutual, "bea and ann follow each other, as B sees it")

        blocked = await ann.post(f"/api/v1/accounts/{bea_at_a['id']}/block")
        assert blocked["blocking"] and not blocked["following"] and not blocked["followed_by"]

        async def blocked_at_b() -> bool:
            return bool((await bea.relationship(ann_at_b["id"]))["blocked_by"])

        await eventually(blocked_at_b, "B sees bea blocked by ann")
        seen = await bea.relationship(ann_at_b["id"])
        assert not seen["following"] and not seen["followed_by"] and not seen["blocking"]

        # bea cannot follow ann again while the block stands
        await bea.call("POST", f"/api/v1/accounts/{ann_at_b['id']}/follow", status=403)

        await ann.post(f"/api/v1/accounts/{bea_at_a['id']}/unblock")

        async def lifted() -> bool:
            return not (await bea.relationship(ann_at_b["id"]))["blocked_by"]

        await eventually(lifted, "B sees the block lifted")
        assert not (await bea.relationship(ann_at_b["id"]))["following"]
