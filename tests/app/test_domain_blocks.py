# ruff: noqa: F811  (pytest fixtures imported from test_federation_services)
"""Domain blocks and the allowlist mode (``services.domain_blocks``,
``services.domain_policy``): what a block covers, what suspending a domain does
to its accounts and follows, and that nothing is fetched from a blocked host."""

from __future__ import annotations

import pytest

from federation.errors import HostRefused
from server.services import domain_blocks, timelines
from server.services.errors import NotFound, ValidationError
from server.store import accounts as accounts_q
from server.store import graph as graph_q
from server.store import media as media_q
from server.store import statuses as statuses_q
from server.store.statuses import Page
from tests.app.test_federation_services import (  # noqa: F401 (fixtures)
    ALICE,
    PUBLIC,
    Peer,
    StartWarmline,
    Warmline,
    follower_on,
    make_peer,
    peer,
    post,
    remote_activity,
    remote_post,
    start_warmline,
    warmline,
)


async def test_a_block_covers_the_domain_its_subdomains_and_every_port(
    warmline: Warmline,
) -> None:
    policy = warmline.svc.domains
    await domain_blocks.block(warmline.svc, "Example.ORG.", severity="suspend")

    for host in ("example.org", "EXAMPLE.org", "social.example.org", "a.b.example.org:8443"):
        assert await policy.severity(host) == "suspend", host
        assert await policy.refusal(host) == f"{host} is blocked on this server"
    for host in ("example.com", "notexample.org", "example.org.evil.test"):
        assert await policy.severity(host) is None, host


async def test_a_host_with_a_port_is_only_that_origin(warmline: Warmline) -> None:
    policy = warmline.svc.domains
    await domain_blocks.block(warmline.svc, "127.0.0.1:8081", severity="suspend")

    assert await policy.blocked({"127.0.0.1:8081", "127.0.0.1:8082"}) == {"127.0.0.1:8081"}


async def test_silence_federates_but_is_known(warmline: Warmline) -> None:
    policy = warmline.svc.domains
    await domain_blocks.block(warmline.svc, "loud.example")  # Mastodon's default: silence

    assert await policy.severity("loud.example") == "silence"
    assert await policy.refusal("loud.example") is None
    assert await policy.blocked({"loud.example"}) == set()


async def test_a_domain_is_blocked_once(warmline: Warmline) -> None:
    await domain_blocks.block(warmline.svc, "example.org")
    with pytest.raises(ValidationError, match=r"There is a block of example\.org already"):
        await domain_blocks.block(warmline.svc, "EXAMPLE.org.")


async def test_a_bad_severity_or_name_is_refused_with_its_field(warmline: Warmline) -> None:
    with pytest.raises(ValidationError) as info:
        await domain_blocks.block(warmline.svc, "example.org", severity="nuke")
    assert info.value.field == "severity"
    with pytest.raises(ValidationError) as info:
        await domain_blocks.block(warmline.svc, "not a domain")
    assert info.value.field == "domain"
    for itself in ("A.test", "test", "a.test:443"):
        with pytest.raises(ValidationError, match="would cover this server itself"):
            await domain_blocks.block(warmline.svc, itself)
    assert (await domain_blocks.block(warmline.svc, "spam.a.test")).domain == "spam.a.test"
    with pytest.raises(NotFound):
        await domain_blocks.unblock(warmline.svc, 12345)


async def test_suspending_a_domain_suspends_its_accounts_and_ends_follows(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin = await w.remote_account(await follower_on(w, peer))
    async with w.svc.db.read() as conn:
        assert await graph_q.get_follow(conn, erin.id, w.alice.id) is not None

    block = await domain_blocks.block(w.svc, peer.host, severity="suspend")

    erin = await w.refresh(erin)
    assert erin.suspended_at == block.created_at
    async with w.svc.db.read() as conn:
        assert await graph_q.get_follow(conn, erin.id, w.alice.id) is None

    # Limiting instead lifts the suspension (the follow does not come back).
    await domain_blocks.update_block(w.svc, block.id, severity="silence")
    assert (await w.refresh(erin)).suspended_at is None
    await domain_blocks.update_block(w.svc, block.id, severity="suspend")
    assert (await w.refresh(erin)).suspended_at == block.created_at
    await domain_blocks.unblock(w.svc, block.id)
    assert (await w.refresh(erin)).suspended_at is None


async def test_lifting_a_block_leaves_other_suspensions_alone(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin = await w.remote_account(peer.add("erin"))
    earlier = w.svc.now().replace(year=2020)
    async with w.svc.db.transaction() as conn:
        await accounts_q.update_account(conn, erin.id, {"suspended_at": earlier})

    block = await domain_blocks.block(w.svc, peer.host, severity="suspend")
    await domain_blocks.unblock(w.svc, block.id)

    assert (await w.refresh(erin)).suspended_at == earlier


async def test_nothing_is_fetched_from_a_blocked_host(warmline: Warmline, peer: Peer) -> None:
    erin = peer.add("erin")
    await domain_blocks.block(warmline.svc, peer.host, severity="suspend")

    with pytest.raises(HostRefused, match="is blocked on this server"):
        await warmline.svc.remote.fetch_actor(erin.id)
    assert peer.received == []


async def test_allowlist_mode_talks_only_to_allowed_domains(
    start_warmline: StartWarmline, peer: Peer
) -> None:
    w = await start_warmline(allowlist_mode=True)
    policy = w.svc.domains
    erin = peer.add("erin")

    assert await policy.refusal(peer.host) == (
        f"{peer.host} is not on this server's list of allowed servers"
    )
    with pytest.raises(HostRefused):
        await w.svc.remote.fetch_actor(erin.id)

    allowed = await domain_blocks.allow(w.svc, peer.host)
    assert await domain_blocks.allow(w.svc, peer.host.upper()) == allowed  # once
    assert await policy.refusal(peer.host) is None
    assert (await w.remote_account(erin)).uri == erin.id

    # A block still wins over an allow.
    await domain_blocks.block(w.svc, peer.host, severity="suspend")
    assert await policy.refusal(peer.host) == f"{peer.host} is blocked on this server"

    await domain_blocks.disallow(w.svc, allowed.id)
    assert [a.domain for a in await domain_blocks.list_allows(w.svc)] == []


MASTODON_EXPORT = """\
#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
spam.example,suspend,true,true,Spam,false
loud.example,silence,false,false,,false
"""


async def test_a_mastodon_export_imports_and_exports_again(warmline: Warmline) -> None:
    result = await domain_blocks.import_csv(warmline.svc, MASTODON_EXPORT)
    assert (result.added, result.updated, result.errors) == (
        ["spam.example", "loud.example"],
        [],
        [],
    )

    exported = domain_blocks.export_csv(await domain_blocks.list_blocks(warmline.svc))
    assert exported.splitlines() == [
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate",
        "loud.example,silence,false,false,,false",
        "spam.example,suspend,true,true,Spam,false",
    ]

    again = await domain_blocks.import_csv(warmline.svc, exported)
    assert (again.added, again.updated, sorted(again.unchanged)) == (
        [],
        [],
        ["loud.example", "spam.example"],
    )


async def test_a_bad_line_is_reported_and_the_rest_kept(warmline: Warmline) -> None:
    text = (
        '\ufeffbad domain!,suspend\ngood.example,suspend\n"multi\nline.example",suspend\n'
        "other.example,explode\n"
    )
    result = await domain_blocks.import_csv(warmline.svc, text)

    assert result.added == ["good.example"]
    assert result.errors == [
        "line 1: not a domain name: 'bad domain!'",
        "line 3: not a domain name: 'multi\\nline.example'",
        "line 5: severity must be one of suspend, silence (limit) or noop, not 'explode'",
    ]


async def public_ids(w: Warmline) -> list[int]:
    return [s.id for s in await timelines.public(w.svc, None, Page(limit=40))]


async def test_a_limited_domain_stays_out_of_public_timelines(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin = await w.remote_account(peer.add("erin"))
    theirs = await remote_post(w, peer.actors["erin"])
    ours = await post(w, "Hello from here")
    assert {theirs.id, ours.id} <= set(await public_ids(w))

    block = await domain_blocks.block(w.svc, peer.host, severity="silence")

    assert (await w.refresh(erin)).silenced_at == block.created_at
    assert theirs.id not in await public_ids(w)
    assert ours.id in await public_ids(w)

    await domain_blocks.unblock(w.svc, block.id)
    assert theirs.id in await public_ids(w)


async def test_an_account_first_seen_on_a_limited_domain_is_limited(
    warmline: Warmline, peer: Peer
) -> None:
    block = await domain_blocks.block(warmline.svc, peer.host, severity="silence")

    erin = await warmline.remote_account(peer.add("erin"))

    assert erin.silenced_at == block.created_at
    assert erin.suspended_at is None


async def test_a_plain_list_adds_suspensions_and_leaves_existing_blocks_as_they_are(
    warmline: Warmline,
) -> None:
    await domain_blocks.block(warmline.svc, "loud.example", severity="silence")

    result = await domain_blocks.import_csv(warmline.svc, "loud.example\nspam.example\n")

    assert (result.added, result.unchanged) == (["spam.example"], ["loud.example"])
    severities = {b.domain: b.severity for b in await domain_blocks.list_blocks(warmline.svc)}
    assert severities == {"loud.example": "silence", "spam.example": "suspend"}


async def test_a_file_that_is_not_csv_or_a_comment_with_control_characters_is_refused(
    warmline: Warmline,
) -> None:
    with pytest.raises(ValidationError, match="line 2 cannot be read as CSV") as info:
        await domain_blocks.import_csv(warmline.svc, 'a.example\n"' + "x" * 200_000 + '"\n')
    assert info.value.field == "file"

    result = await domain_blocks.import_csv(warmline.svc, "nul.example,suspend,,,bad\x00comment\n")
    assert result.errors == ["line 1: control characters are not allowed"]


async def picture_post(w: Warmline, peer: Peer, name: str, n: int) -> int:
    """A public note with one image from ``name`` on ``peer``; its status id."""
    author = peer.actors[name]
    note = {
        "id": f"{peer.origin}/notes/pic{n}",
        "type": "Note",
        "attributedTo": author.id,
        "content": "<p>A picture for @alice</p>",
        "to": [PUBLIC],
        "cc": [ALICE],
        "tag": [{"type": "Mention", "href": ALICE}],
        "attachment": [
            {"type": "Document", "mediaType": "image/png", "url": f"{peer.origin}/p{n}.png",
             "name": "a harbour at dawn"}
        ],
    }  # fmt: skip
    await w.deliver(author, remote_activity(author, "Create", note, to=[PUBLIC]))
    async with w.svc.db.read() as conn:
        status = await statuses_q.get_status_by_uri(conn, note["id"])
    assert status is not None
    return status.id


async def images_of(w: Warmline, status_id: int) -> int:
    async with w.svc.db.read() as conn:
        return len((await media_q.for_statuses(conn, [status_id])).get(status_id, []))


async def test_rejecting_a_domains_media_forgets_its_pictures_and_keeps_no_new_ones(
    warmline: Warmline, peer: Peer
) -> None:
    w = warmline
    erin = await w.remote_account(peer.add("erin"))
    async with w.svc.db.transaction() as conn:
        await accounts_q.update_account(
            conn, erin.id, {"avatar_url": f"{peer.origin}/erin.png", "header_url": None}
        )
    before = await picture_post(w, peer, "erin", 1)
    assert await images_of(w, before) == 1

    await domain_blocks.block(w.svc, peer.host, severity="noop", reject_media=True)

    assert (await w.refresh(erin)).avatar_url is None
    assert await images_of(w, before) == 0
    after = await picture_post(w, peer, "erin", 2)
    assert await images_of(w, after) == 0  # the post is kept, its image is not
