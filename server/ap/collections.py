"""An actor's outbox, followers, following and connections as paged OrderedCollections."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.builders import ordered_collection
from federation.jsonld import WARMLINE_OUTPUT_CONTEXT
from federation.verify import VerifiedRequest
from server import ids
from server.ap.render import as2_response
from server.ap.signatures import authorize_fetch, verify_signed
from server.appkeys import DB, SERVICES
from server.services import members, move_carry, objects
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import graph as graph_q
from server.store import groups as groups_q
from server.store import stats as stats_q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.statuses import Page

routes = web.RouteTableDef()
PAGE_SIZE = 20
# The outbox shows what is live now: deleted posts leave it, edits show their new text.
PUBLISHED = ("public", "unlisted")


def _page_doc(
    collection_id: str, items: list[Any], next_max: int | None, max_id: str | None
) -> dict:
    page_id = f"{collection_id}?page=true" + (f"&max_id={max_id}" if max_id else "")
    doc: dict[str, Any] = {
        "@context": WARMLINE_OUTPUT_CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": items,
    }
    if next_max is not None:
        doc["next"] = f"{collection_id}?page=true&max_id={next_max}"
    return doc


def _max_id(request: web.Request) -> int | None:
    value = request.query.get("max_id")
    if value is None:
        return None
    found = ids.parse(value)
    if found is None:
        raise web.HTTPBadRequest(text="max_id must be a number")
    return found


async def _items(
    request: web.Request, account: AccountRow, kind: str, page: Page
) -> tuple[list[Any], list[int]]:
    svc = request.app[SERVICES]
    async with svc.db.read() as conn:
        if kind == "outbox":
            found = await statuses_q.account_statuses(
                conn, account.id, page, visibilities=PUBLISHED
            )
            docs = await objects.activity_documents(svc, conn, found, account)
            return [d for d in docs if d is not None], [s.id for s in found]
        direction = "followers" if kind == "followers" else "following"
        pairs = await graph_q.list_related(conn, account.id, page, direction=direction)
        return [objects.account_uri(svc, a) for _, a in pairs], [cursor for cursor, _ in pairs]


async def _total(request: web.Request, account: AccountRow, kind: str) -> int:
    async with request.app[DB].read() as conn:
        if kind == "outbox":
            return await statuses_q.count_account_statuses(conn, account.id, PUBLISHED)
        counts = (await stats_q.get_stats(conn, [account.id]))[account.id]
        return counts.followers if kind == "followers" else counts.following


@routes.get("/users/{username}/{collection:outbox|followers|following}")
async def collection(request: web.Request) -> web.Response:
    account = await members.get_member(request.app[DB], request.match_info["username"], groups=True)
    members.require_active(account)
    await authorize_fetch(request)
    kind = request.match_info["collection"]
    svc = request.app[SERVICES]
    collection_id = {
        "outbox": svc.urls.outbox,
        "followers": svc.urls.followers,
        "following": svc.urls.following,
    }[kind](account.username)
    if "page" not in request.query:
        total = await _total(request, account, kind)
        return as2_response(
            ordered_collection(collection_id, total, first=f"{collection_id}?page=true")
        )
    page = Page(limit=PAGE_SIZE, max_id=_max_id(request))
    items, cursors = await _items(request, account, kind, page)
    next_max = cursors[-1] if len(cursors) == PAGE_SIZE else None
    return as2_response(_page_doc(collection_id, items, next_max, request.query.get("max_id")))


@routes.get("/users/{username}/connections")
async def connections_collection(request: web.Request) -> web.Response:
    """``wl:connections``: everyone sees how many; the list itself when the member
    made it public, or to the server of the account the member moved to (a fetch
    signed by that account or its server's instance actor), which asks them to
    connect with it (``services/move_carry.py``)."""
    account = await members.get_member(request.app[DB], request.match_info["username"])
    members.require_active(account)
    verified = await authorize_fetch(request)
    svc = request.app[SERVICES]
    collection_id = svc.urls.connections(account.username)
    listed = account.connections_visibility == "public" or await _new_home_asks(
        request, account, verified
    )
    async with svc.db.read() as conn:
        total = await connections_q.count_connections(conn, account.id)
        if not listed:
            return as2_response(ordered_collection(collection_id, total))
        if "page" not in request.query:
            return as2_response(
                ordered_collection(collection_id, total, first=f"{collection_id}?page=1")
            )
        number = request.query["page"]
        if not number.isdigit() or not 1 <= int(number) <= 10_000:
            raise web.HTTPBadRequest(text="page must be a number from 1")
        offset = (int(number) - 1) * PAGE_SIZE
        found = await connections_q.list_connections(
            conn, account.id, limit=PAGE_SIZE, offset=offset
        )
    page_id = f"{collection_id}?page={number}"
    doc: dict[str, Any] = {
        "@context": WARMLINE_OUTPUT_CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": [objects.account_uri(svc, c.peer) for c in found],
    }
    if len(found) == PAGE_SIZE:
        doc["next"] = f"{collection_id}?page={int(number) + 1}"
    return as2_response(doc)


async def _new_home_asks(
    request: web.Request, account: AccountRow, verified: VerifiedRequest | None
) -> bool:
    """Whether the fetch is signed for the account ``account`` moved to."""
    if verified is None:
        if "Signature" not in request.headers and "Signature-Input" not in request.headers:
            return False
        verified = await verify_signed(request)
    return await move_carry.may_list_connections(request.app[SERVICES], account, verified.signer)


@routes.get("/users/{username}/moderators")
async def moderators_collection(request: web.Request) -> web.Response:
    """A group's moderators, every one named: peers show who runs a group."""
    account = await members.get_member(request.app[DB], request.match_info["username"], groups=True)
    if account.actor_type != "Group":
        raise web.HTTPNotFound(text="only a group has moderators")
    await authorize_fetch(request)
    svc = request.app[SERVICES]
    async with svc.db.read() as conn:
        ids = list(await groups_q.roles(conn, account.id))
        found = [await accounts_q.get_account(conn, i) for i in ids]
    items = [objects.account_uri(svc, a) for a in found if a is not None]
    return as2_response(
        ordered_collection(svc.urls.moderators(account.username), len(items), items=items)
    )


@routes.get("/actor/{collection:outbox|followers|following}")
async def instance_actor_collection(request: web.Request) -> web.Response:
    """The instance actor only signs fetches: it never posts and follows no one."""
    actor = request.app[SERVICES].urls.instance_actor
    collection_id = f"{actor}/{request.match_info['collection']}"
    return as2_response(ordered_collection(collection_id, 0, items=[]))
