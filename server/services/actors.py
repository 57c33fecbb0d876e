"""Local actors as ActivityStreams documents, and telling followers when a profile changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import activities as ap
from federation import keys as fkeys
from federation.builders import ActorInfo, ActorKeys
from federation.builders import actor_document as build_actor
from federation.profiles import Profile
from federation.vocab import AS_PUBLIC
from server.services import graph, objects, pictures
from server.services.context import Services
from server.services.errors import ServiceError
from server.services.images import CONTENT_TYPES
from server.services.members import ProfileChanges, apply_profile, get_member
from server.services.outbox import Recipients, send
from server.store import accounts as accounts_q
from server.store import linkedin as extras_q
from server.store import moves as moves_q
from server.store.accounts import AccountRow
from server.urls import INSTANCE_ACTOR_USERNAME


async def actor_document(
    svc: Services, account: AccountRow, conn: AsyncConnection | None = None
) -> dict[str, Any]:
    """The actor document of a local account (member or instance actor); ``conn``:
    the caller's transaction, whose changes (a new alias, a move) it must show."""
    urls, config = svc.urls, svc.config
    local_keys = await svc.keyring.for_account(account.id, account.username)
    ed_public = fkeys.load_public_pem(local_keys.ed25519_public_pem)
    keys = ActorKeys(
        rsa_key_id=local_keys.rsa.key_id,
        rsa_public_pem=local_keys.rsa_public_pem,
        ed25519_key_id=local_keys.ed25519.key_id,
        ed25519_multibase=fkeys.public_key_to_multibase(ed_public),
    )
    if account.username == INSTANCE_ACTOR_USERNAME:
        actor = urls.instance_actor
        info = ActorInfo(
            id=actor,
            type="Application",
            preferred_username=config.domain,
            name=config.instance.name,
            summary_html="",
            url=f"{config.base_url}/about",
            inbox=f"{actor}/inbox",
            outbox=f"{actor}/outbox",
            followers=f"{actor}/followers",
            following=f"{actor}/following",
            shared_inbox=urls.shared_inbox,
            keys=keys,
            published=account.created_at,
            manually_approves_followers=True,
            discoverable=False,
        )
        return build_actor(info)
    name = account.username
    info = ActorInfo(
        id=urls.actor(name),
        type=account.actor_type,
        preferred_username=name,
        name=account.display_name,
        summary_html=account.summary,
        url=urls.profile(name),
        inbox=urls.inbox(name),
        outbox=urls.outbox(name),
        followers=urls.followers(name),
        following=urls.following(name),
        shared_inbox=urls.shared_inbox,
        keys=keys,
        published=account.created_at,
        manually_approves_followers=account.locked,
        discoverable=account.discoverable,
        icon_url=urls.avatar(account.avatar_url),
        icon_media_type=_media_type(urls.avatar(account.avatar_url)),
        image_url=urls.local(account.header_url) or None,
        image_media_type=_media_type(account.header_url or ""),
        location=account.location,
        fields=[(f["name"], f["value"]) for f in account.fields],
        profile=Profile(
            headline=account.headline,
            industry=account.industry,
            open_to=account.open_to,
            experience=account.experience,
            education=account.education,
            skills=account.skills,
            links=account.links,
            accepts_introductions=account.accepts_introductions,
            connections=urls.connections(name),
        ),
        updated=account.updated_at,
    )
    if conn is None:
        async with svc.db.read() as reading:
            moves = await _moves(svc, reading, account)
            extras = await extras_q.get_extras(reading, account.id)
    else:
        moves = await _moves(svc, conn, account)
        extras = await extras_q.get_extras(conn, account.id)
    if moves:
        info = replace(info, extra={**info.extra, **moves})
    if info.profile is not None and (extras["languages"] or extras["certifications"]):
        info = replace(info, profile=replace(info.profile, **extras))
    if account.actor_type == "Group":
        # A group has no professional profile; its moderators are a collection,
        # named by ``attributedTo`` as Lemmy and Mbin publish theirs.
        info = replace(info, profile=None, extra={"attributedTo": urls.moderators(name)})
    if account.suspended_at is not None:
        info = _suspended(info)
    return build_actor(info)


async def _moves(svc: Services, conn: AsyncConnection, account: AccountRow) -> dict[str, Any]:
    """``alsoKnownAs`` (the member's other accounts) and ``movedTo`` (where they went)."""
    found: dict[str, Any] = {}
    aliases = await moves_q.aliases(conn, account.id)
    if aliases:
        found["alsoKnownAs"] = aliases
    target_id = await moves_q.moved_to(conn, account.id)
    target = await accounts_q.get_account(conn, target_id) if target_id else None
    if target is not None:
        found["movedTo"] = objects.account_uri(svc, target)
    return found


def _suspended(info: ActorInfo) -> ActorInfo:
    """A suspended member's actor as Mastodon serves one: the endpoints and keys
    (peers still verify what was signed), no profile, and ``suspended: true``."""
    return replace(
        info,
        name="",
        summary_html="",
        manually_approves_followers=False,
        discoverable=False,
        icon_url=None,
        image_url=None,
        location="",
        fields=(),
        profile=None,
        extra={"suspended": True},
    )


def _media_type(url: str) -> str:
    return CONTENT_TYPES.get(url.rsplit(".", 1)[-1].lower(), "image/png")


async def change_profile(
    svc: Services,
    username: str,
    changes: ProfileChanges,
    new_pictures: Mapping[str, bytes] | None = None,
) -> AccountRow:
    """Change a member's profile and send the new actor to their followers
    (Update), in one transaction: both happen, or neither. ``new_pictures``
    (``{"avatar": data, "header": data}``, either or both) are stored first; the
    files of the pictures they replace are deleted once the change commits."""
    member = await get_member(svc.db, username)
    await svc.keyring.for_account(member.id, member.username)  # loaded before the write lock
    saved = await pictures.save(svc, new_pictures or {})
    try:
        return await _change(svc, member, replace(changes, **saved))
    except ServiceError:  # refused, so rolled back: no row names the new files
        await pictures.remove(svc, saved.values())
        raise


async def _change(svc: Services, member: AccountRow, changes: ProfileChanges) -> AccountRow:
    async with svc.db.transaction() as conn:
        before = await accounts_q.get_account(conn, member.id) or member
        account = await apply_profile(conn, before, changes, svc.now())
        if account is before:
            return before  # nothing changed, nothing to tell
        pictures.drop_replaced(svc, conn, before, account)
        if before.locked and not account.locked:
            await graph.accept_waiting_requests(svc, conn, account)
        await send_update(svc, conn, account)
    svc.wake.deliveries.set()
    return account


async def send_update(svc: Services, conn: AsyncConnection, account: AccountRow) -> None:
    """Queue ``Update`` of the member's actor, as now stored, to their followers
    (inside the caller's transaction; the member's keys must be loaded before it)."""
    doc = await actor_document(svc, account, conn)
    stamp = int(svc.now().timestamp() * 1000)
    update = ap.update(
        f"{doc['id']}#updates/{stamp}", doc["id"], doc, to=[AS_PUBLIC], cc=[doc["followers"]]
    )
    await send(svc, conn, account, update, Recipients(followers=True))
