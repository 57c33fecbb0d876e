"""The service reads a profile page asks (where a viewer stands with someone, what
they may do next and why not), on both databases."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from server.appkeys import DB, SERVICES
from server.config import NetworkSettings, with_overrides
from server.services import (
    actors,
    connections,
    endorsements,
    introductions,
    members,
    recommendations,
)
from server.services.errors import Conflict, TooMany, ValidationError
from server.services.members import ProfileChanges
from server.store.accounts import AccountRow


async def made(client: TestClient, *names: str) -> list[AccountRow]:
    out = []
    for name in names:
        out.append(await members.create_member(client.app[DB], name))
    return out


async def linked(client: TestClient, a: AccountRow, b: AccountRow) -> None:
    svc = client.app[SERVICES]
    row = await connections.request(svc, a, b, "")
    await connections.answer(svc, b, row.id, accept=True)


async def test_between_and_preview(client: TestClient) -> None:
    svc = client.app[SERVICES]
    bob, carol, dan = await made(client, "bob", "carol", "dan")
    sent = await connections.request(svc, bob, carol, "hi")
    seen = await connections.between(svc, bob, carol)
    assert (seen.connected, seen.sent, seen.received) == (False, sent, None)
    assert (await connections.between(svc, carol, bob)).received == sent
    await connections.answer(svc, carol, sent.id, accept=True)
    assert (await connections.between(svc, bob, carol)).connected

    await linked(client, bob, dan)
    preview = await connections.preview(svc, None, bob, few=1)
    assert preview is None  # "connections" by default: not for strangers
    mine = await connections.preview(svc, carol, bob, few=1)
    assert mine is not None and mine.count == 2 and [p.username for p in mine.few] == ["dan"]


async def test_what_one_may_endorse_and_recommend(client: TestClient) -> None:
    svc = client.app[SERVICES]
    bob, carol = await made(client, "bob", "carol")
    carol = await actors.change_profile(svc, "carol", ProfileChanges(skills=["Bread", "Cake"]))
    assert await endorsements.refusal(svc, bob, carol, "endorse") == (
        "you can only endorse your connections"
    )
    await linked(client, bob, carol)
    assert await endorsements.refusal(svc, bob, carol, "recommend") is None
    row = await endorsements.endorse(svc, bob, carol, "bread")
    assert await endorsements.given(svc, bob, carol) == {"bread": row}
    assert await recommendations.open_for(svc, bob, carol) is None
    rec = await recommendations.recommend(svc, bob, carol, "Good")
    assert await recommendations.open_for(svc, bob, carol) == rec
    await recommendations.withdraw(svc, bob, rec.id)
    assert await recommendations.open_for(svc, bob, carol) is None


async def test_why_an_introduction_may_not_be_asked(client: TestClient) -> None:
    svc = client.app[SERVICES]
    bob, carol, dan = await made(client, "bob", "carol", "dan")
    await linked(client, bob, carol)
    await linked(client, carol, dan)
    assert await introductions.target_refusal(svc, bob, dan) is None
    assert isinstance(await introductions.target_refusal(svc, bob, carol), Conflict)

    svc.config = with_overrides(svc.config, network=NetworkSettings(introduction_daily_limit=1))
    intro = await introductions.request(svc, bob, dan, carol, "Wheat")
    assert await introductions.open_requests(svc, bob, dan) == [intro]
    assert isinstance(await introductions.target_refusal(svc, bob, dan), TooMany)
    await introductions.withdraw(svc, bob, intro.id)
    assert await introductions.open_requests(svc, bob, dan) == []

    dan = await actors.change_profile(svc, "dan", ProfileChanges(accepts_introductions=False))
    refused = await introductions.target_refusal(svc, bob, dan)
    assert isinstance(refused, ValidationError) and "does not accept" in refused.message


async def test_a_profile_field_error_names_its_index(client: TestClient) -> None:
    svc = client.app[SERVICES]
    await made(client, "bob")
    changes = ProfileChanges(fields=[("A", "ok"), ("B", "x" * 3000)])
    with pytest.raises(ValidationError) as refused:
        await actors.change_profile(svc, "bob", changes)
    assert refused.value.field == "fields[1].value"
    assert refused.value.message.startswith("field value must be at most")
