"""Local accounts as ActivityStreams documents, and the AS2 response shape."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from federation import keys as fkeys
from federation.builders import ActorInfo, ActorKeys, actor_document
from server.appkeys import CONFIG, KEYRING, URLS
from server.negotiation import AS2_CONTENT_TYPE, LD_CONTENT_TYPE
from server.store.accounts import AccountRow
from server.urls import INSTANCE_ACTOR_USERNAME

DEFAULT_AVATAR = "/static/avatar.png"


def as2_response(doc: dict[str, Any], *, flavour: str = "as2", status: int = 200) -> web.Response:
    """Serve a document with the AS2 content type the client asked for."""
    content_type = LD_CONTENT_TYPE if flavour == "ld" else AS2_CONTENT_TYPE
    return web.Response(
        body=json.dumps(doc, ensure_ascii=False).encode(),
        status=status,
        headers={"Content-Type": content_type, "Vary": "Accept"},
    )


async def actor_doc(app: web.Application, account: AccountRow) -> dict[str, Any]:
    """The actor document of a local account (member or instance actor)."""
    urls, config = app[URLS], app[CONFIG]
    local_keys = await app[KEYRING].for_account(account.id, account.username)
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
        return actor_document(info)
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
        icon_url=account.avatar_url or config.base_url + DEFAULT_AVATAR,
        headline=account.headline,
        location=account.location,
        fields=[(f["name"], f["value"]) for f in account.fields],
    )
    return actor_document(info)
