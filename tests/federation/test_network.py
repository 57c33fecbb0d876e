"""Connections and warm introductions across three real instances.

ann (instance A) asks bea (B), connected to both, to introduce her to cal (C).
Every path crosses the network as signed activities through the delivery
queue: declined by the introducer, declined by the target, withdrawn, expired,
and accepted (A and C connected, a three-way conversation opened by bea). A
fourth party on its own server, with real keys, tries to move an introduction
on and is refused with nothing changed.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from fakepeer import AS2, fake_peer
from fedapi import Api, eventually, start_member

from federation.httpsig import sign_cavage

pytestmark = pytest.mark.slow
W = "/api/v1/warmline"


async def connect(left: Api, right: Api, right_id_at_left: str) -> None:
    """left asks right to connect; right accepts once the request arrives."""
    sent = await left.post(f"{W}/connections", json={"account_id": right_id_at_left, "note": "hi"})
    assert sent["fallback"] is False, sent

    async def arrived() -> Any:
        return await right.get(f"{W}/connection_requests", params={"direction": "incoming"})

    await eventually(arrived, f"{right.handle} sees the request")
    (request,) = await arrived()
    assert request["note"] == "hi"
    await right.post(f"{W}/connection_requests/{request['id']}/accept")

    async def connected() -> bool:
        found = await left.get(f"{W}/connections")
        return any(c["account"]["id"] == right_id_at_left for c in found)

    await eventually(connected, f"{left.handle} is connected to {right.handle}")


async def seen(api: Api, role: str, state: str) -> str:
    """Wait until ``api`` has an introduction in ``role`` and ``state``; its local id."""

    async def probe() -> str | None:
        found = await api.get(f"{W}/introductions", params={"role": role})
        return next((i["id"] for i in found if i["state"] == state), None)

    await eventually(probe, f"{api.handle} sees an introduction {state} as {role}")
    found = await probe()
    assert found is not None
    return found


async def state_of(api: Api, intro_id: str) -> str:
    return (await api.get(f"{W}/introductions/{intro_id}"))["state"]


async def becomes(api: Api, intro_id: str, state: str) -> None:
    async def probe() -> bool:
        return await state_of(api, intro_id) == state

    await eventually(probe, f"{api.handle}'s introduction {intro_id} is {state}")


def expire_all(data_dir: Any) -> None:
    """Move every open introduction of an instance past its expiry (in its SQLite file)."""
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(data_dir / "warmline.sqlite3") as db:
        db.execute(
            "UPDATE introductions SET expires_at = ? WHERE state IN ('requested', 'forwarded')",
            (past,),
        )


async def test_connections_and_introductions_between_three_instances(server_process: Any) -> None:
    a, ann_token = start_member(server_process, "a", "ann")
    b, bea_token = start_member(server_process, "b", "bea")
    c, cal_token = start_member(server_process, "c", "cal")
    async with aiohttp.ClientSession() as session, fake_peer() as peer:
        ann = Api(session, a.base_url, ann_token, f"ann@{a.domain}")
        bea = Api(session, b.base_url, bea_token, f"bea@{b.domain}")
        cal = Api(session, c.base_url, cal_token, f"cal@{c.domain}")
        bea_at_a = await ann.find(bea.handle)
        cal_at_a = await ann.find(cal.handle)
        cal_at_b = await bea.find(cal.handle)
        await connect(ann, bea, bea_at_a["id"])
        await connect(bea, cal, cal_at_b["id"])

        async def ask() -> str:
            body = {
                "target_account_id": cal_at_a["id"],
                "via_account_id": bea_at_a["id"],
                "reason": "I am hiring in Lyon",
            }
            asked = await ann.post(f"{W}/introductions", json=body)
            assert asked["state"] == "requested"
            return asked["id"]

        # 1. bea declines: ann hears "not now", cal never hears of it.
        at_a = await ask()
        at_b = await seen(bea, "introducer", "requested")
        assert (await bea.get(f"{W}/introductions/{at_b}"))["reason"] == "I am hiring in Lyon"
        await bea.post(f"{W}/introductions/{at_b}/decline")
        await becomes(ann, at_a, "declined")

        # 2. bea forwards, cal declines: ann hears "not now" from bea, not who said no.
        at_a = await ask()
        at_b = await seen(bea, "introducer", "requested")
        await bea.post(f"{W}/introductions/{at_b}/forward", json={"note": "Cal, meet Ann"})
        at_c = await seen(cal, "target", "forwarded")
        shown = await cal.get(f"{W}/introductions/{at_c}")
        assert (shown["note"], shown["reason"]) == ("Cal, meet Ann", "I am hiring in Lyon")
        assert shown["requester"]["acct"] == ann.handle
        assert await state_of(ann, at_a) == "requested"  # ann does not learn it was forwarded
        await cal.post(f"{W}/introductions/{at_c}/decline")
        await becomes(bea, at_b, "declined")
        assert (await bea.get(f"{W}/introductions/{at_b}"))["declined_by"] == "target"
        await becomes(ann, at_a, "declined")
        mine = await ann.get(f"{W}/introductions/{at_a}")
        assert "declined_by" not in mine
        declined = [
            n for n in await ann.get("/api/v1/notifications?warmline=true")
            if n["type"] == "warmline.introduction_declined"
        ]  # fmt: skip
        assert {n["account"]["acct"] for n in declined} == {bea.handle}

        # 3. ann withdraws after the forward: bea and cal both see it withdrawn.
        at_a = await ask()
        at_b = await seen(bea, "introducer", "requested")
        await bea.post(f"{W}/introductions/{at_b}/forward", json={"note": ""})
        at_c = await seen(cal, "target", "forwarded")
        await ann.post(f"{W}/introductions/{at_a}/withdraw")
        await becomes(bea, at_b, "withdrawn")
        await becomes(cal, at_c, "withdrawn")
        await cal.post(f"{W}/introductions/{at_c}/accept", status=409)

        # 4. It expires while waiting for cal.
        at_a = await ask()
        at_b = await seen(bea, "introducer", "requested")
        await bea.post(f"{W}/introductions/{at_b}/forward", json={"note": ""})
        at_c = await seen(cal, "target", "forwarded")
        for instance in (a, b, c):
            expire_all(instance.data)
        for api, intro in ((ann, at_a), (bea, at_b), (cal, at_c)):
            assert await state_of(api, intro) == "expired"
        assert (
            "expired" in (await cal.post(f"{W}/introductions/{at_c}/accept", status=409))["error"]
        )

        # 5. A fourth party cannot move an introduction on, even with a valid signature.
        at_a = await ask()
        at_b = await seen(bea, "introducer", "requested")
        await bea.post(f"{W}/introductions/{at_b}/forward", json={"note": "Meet Ann"})
        at_c = await seen(cal, "target", "forwarded")
        intro_uri = f"{a.base_url}/users/ann#introductions/{at_a}"
        dan = peer.add("dan")

        async def from_dan(doc: dict[str, Any], base: str, domain: str) -> aiohttp.ClientResponse:
            body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", **doc}).encode()
            headers = {"Host": domain, "Content-Type": AS2}
            headers |= sign_cavage(
                "POST", f"{base}/inbox", headers, body, key_id=dan.key_id, private_key=dan.rsa
            )
            return await session.post(f"{base}/inbox", data=body, headers=headers)

        serial = iter(range(1000))
        cal_uri = f"{c.base_url}/users/cal"
        forged = [
            # dan accepts, as himself: not his turn.
            (a, {"type": "Accept", "actor": dan.id, "object": intro_uri}, 403),
            (b, {"type": "Accept", "actor": dan.id, "object": intro_uri}, 403),
            # dan declines in bea's name, and withdraws in ann's: not the signer.
            (a, {"type": "Reject", "actor": f"{b.base_url}/users/bea", "object": intro_uri}, 401),
            (b, {"type": "Undo", "actor": dan.id, "object": intro_uri}, 403),
            # dan replays cal's acceptance with cal as the actor: not the signer.
            (a, {"type": "Accept", "actor": cal_uri, "object": intro_uri}, 401),
        ]
        for instance, doc, status in forged:
            doc["id"] = f"{dan.id}#forged/{next(serial)}"
            resp = await from_dan(doc, instance.base_url, instance.domain)
            assert resp.status == status, await resp.text()
            assert "error" in await resp.json()
        assert await state_of(ann, at_a) == "requested"
        assert await state_of(bea, at_b) == "forwarded"
        assert await state_of(cal, at_c) == "forwarded"

        # 6. cal accepts: ann and cal are connected, and bea opens a conversation with both.
        await cal.post(f"{W}/introductions/{at_c}/accept")
        await becomes(ann, at_a, "accepted")
        await becomes(bea, at_b, "accepted")
        connected = await ann.get(f"{W}/connections")
        assert cal.handle in {c["account"]["acct"] for c in connected}
        assert ann.handle in {c["account"]["acct"] for c in await cal.get(f"{W}/connections")}

        async def mentioned_by_bea(api: Api) -> Any:
            found = await api.get("/api/v1/notifications?warmline=true")
            return next(
                (n for n in found if n["type"] == "mention" and n["account"]["acct"] == bea.handle),
                None,
            )

        for api in (ann, cal):
            note = await eventually(
                lambda api=api: mentioned_by_bea(api), f"{api.handle} hears bea"
            )
            assert note["status"]["visibility"] == "direct"
            assert "Meet Ann" in note["status"]["content"]
        # A step after the end changes nothing.
        await cal.post(f"{W}/introductions/{at_c}/decline", status=409)
        assert await state_of(ann, at_a) == "accepted"
