# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""The lists pages: make, rename and delete a list, add and take off people one
follows, read the list's posts; refusals come back in words."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from server.services import graph, posts
from server.services import lists as lists_svc
from server.services.posts import Draft
from tests.app.test_csv_exchange import clients, signed_in  # noqa: F401
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    Warmline,
    start_warmline,
    warmline,
)


async def test_a_member_makes_fills_reads_and_deletes_a_list(
    warmline: Warmline, clients: list[TestClient]
) -> None:
    w = warmline
    browser, carol = await signed_in(w, clients, "carol")
    await graph.follow(w.svc, carol, w.alice)
    await graph.follow(w.svc, carol, w.bob)
    await posts.create_status(w.svc, w.alice, Draft("Alice on the list"))
    await posts.create_status(w.svc, w.bob, Draft("Bob not on it"))

    page = await browser.get("/lists")
    assert "No lists yet" in page
    await browser.post("/lists", {"title": " ", "replies_policy": "list"})
    assert "Title can&#39;t be blank" in await browser.get("/lists")
    resp = await browser.post("/lists", {"title": "Clients", "replies_policy": "none"})
    (made,) = await lists_svc.all_lists(w.svc, carol)
    assert resp.headers["Location"] == f"/lists/{made.id}"
    assert made.replies_policy == "none" and not made.exclusive

    page = await browser.get(f"/lists/{made.id}")
    assert "Nobody yet" in page and "Alice Archer (@alice@a.test)" in page
    await browser.post(f"/lists/{made.id}/add", {"account_id": str(w.alice.id)})
    page = await browser.get(f"/lists/{made.id}")
    assert "Alice on the list" in page and "Bob not on it" not in page
    await browser.post(f"/lists/{made.id}/add", {"account_id": str(w.bob.id)})
    assert "Bob not on it" in await browser.get(f"/lists/{made.id}")
    await browser.post(f"/lists/{made.id}/remove", {"account_id": str(w.bob.id)})
    assert "Bob not on it" not in await browser.get(f"/lists/{made.id}")

    # Someone carol does not follow is refused in words.
    await graph.unfollow(w.svc, carol, w.alice)
    await browser.post(f"/lists/{made.id}/add", {"account_id": str(w.alice.id)})
    assert "You must follow @alice first" in await browser.get(f"/lists/{made.id}")

    await browser.post(
        f"/lists/{made.id}", {"title": "Key clients", "replies_policy": "list", "exclusive": "1"}
    )
    changed = await lists_svc.get(w.svc, carol, made.id)
    assert (changed.title, changed.replies_policy, changed.exclusive) == (
        "Key clients",
        "list",
        True,
    )
    await browser.post(f"/lists/{made.id}/delete")
    assert await lists_svc.all_lists(w.svc, carol) == []
    assert "No lists yet" in await browser.get("/lists")
    # Someone else's list is not there.
    other = await lists_svc.create(w.svc, w.alice, "Alice's")
    await browser.get(f"/lists/{other.id}", status=404)
    await browser.post(f"/lists/{other.id}/delete", status=404)
    assert "/lists" in await browser.get("/network")
