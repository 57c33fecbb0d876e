"""Connections, endorsements and recommendations follow a member who moves.

The new account's server drives it (``carry``): once the old account ``O`` has
moved to the new one ``N`` (a ``Move`` reached us, or the member asks), it reads
``O``'s connections (our rows when ``O`` was ours; else ``O``'s connections
collection, fetched from ``O``'s origin, which lists them to ``N``'s server
only: ``may_list_connections``) and asks each of them to connect with ``N``: a
``Connect`` saying ``movedFrom: O``. Members of this server are handled at once.

A connection's server (``moved_old`` then ``accept_moved``) connects its member
``M`` with ``N`` without asking only when it can check everything itself: ``M``
is connected with ``O`` here, ``O`` moved to ``N`` (our ``Move`` record, or
``O``'s own document from ``O``'s origin says ``movedTo``), and ``N``'s own
document names ``O`` in ``alsoKnownAs``. Then ``M`` is told, and the
endorsements ``M`` gave ``O`` (skills ``N`` lists) and ``M``'s recommendation of
``O`` are given to ``N`` anew. Otherwise the ``Connect`` is an ordinary request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import moves as fmoves
from federation import relations as wl
from federation.client import same_origin
from federation.errors import FederationError
from federation.moves import MoveClaim
from federation.vocab import get_id
from server.services import connections, objects
from server.services.context import Services
from server.services.endorsements import listed_skill
from server.services.errors import ValidationError
from server.services.notify import notify
from server.services.outbox import Recipients, send
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import endorsements as endorsements_q
from server.store import moves as moves_q
from server.store.accounts import AccountRow
from server.store.connections import ACCEPTED, PENDING
from server.store.endorsements import APPROVED

log = logging.getLogger(__name__)

MAX_CARRIED = 5_000  # connections read from the old account, at most
MAX_PAGES = 300  # pages of its collection fetched, at most
INSTANCE_ACTOR_TYPES = ("Application", "Service")


@dataclass(frozen=True, slots=True)
class Carried:
    """What ``carry`` did: requests sent, connections made here at once, and the
    rest (already connected or asked, a block, not a Warmline account, unreachable)."""

    asked: int = 0
    connected: int = 0
    skipped: int = 0


async def _account(svc: Services, uri: str) -> AccountRow | None:
    """Ours by username, else a remote actor (fetched when not known)."""
    username = svc.urls.local_username(uri)
    if username is not None:
        async with svc.db.read() as conn:
            return await accounts_q.get_local_account(conn, username)
    return await svc.remote.fetch_actor(uri)


async def moved_to(svc: Services, old: AccountRow, new: AccountRow) -> bool:
    """Whether ``old`` moved to ``new``: our record of its ``Move``, or (``old``
    elsewhere) its own document, fetched from its origin, says ``movedTo``."""
    async with svc.db.read() as conn:
        if await moves_q.moved_to(conn, old.id) == new.id:
            return True
    if old.is_local or not old.uri:
        return False
    final_url, doc = await svc.remote.fetch_document(old.uri)
    return fmoves.moved_to_of(doc, final_url) == objects.account_uri(svc, new)


# --- the new account's server ---------------------------------------------------------


async def carry(svc: Services, new: AccountRow, old_uri: str) -> Carried:
    """Ask ``old_uri``'s connections to connect with ``new`` (a member here), which
    names it among its aliases and which it moved to. Idempotent: nobody already
    connected with ``new`` or asked by it is asked again."""
    async with svc.db.read() as conn:
        named = old_uri in await moves_q.aliases(conn, new.id)
    if not named:
        raise ValidationError("That account is not one of your aliases", field="acct")
    try:
        old = await _account(svc, old_uri)
        if old is None or not await moved_to(svc, old, new):
            raise ValidationError(
                "That account has not moved to this one yet: move it from its own server first",
                field="acct",
            )
        peers = await _peers(svc, old)
    except FederationError as exc:
        raise ValidationError(f"{old_uri} could not be read: {exc}", field="acct") from None
    done = Carried()
    for uri in peers:
        outcome = await _carry_one(svc, new, old, uri)
        done = Carried(
            done.asked + (outcome == "asked"),
            done.connected + (outcome == "connected"),
            done.skipped + (outcome == "skipped"),
        )
    svc.wake.deliveries.set()
    log.info("carried %s's connections to %s: %s", old_uri, new.username, done)
    return done


async def _peers(svc: Services, old: AccountRow) -> list[str]:
    """The actor ids of ``old``'s connections (at most MAX_CARRIED)."""
    if old.is_local:
        async with svc.db.read() as conn:
            found = await connections_q.list_connections(conn, old.id, limit=MAX_CARRIED)
        return [objects.account_uri(svc, c.peer) for c in found]
    old_uri = old.uri or ""
    final_url, doc = await svc.remote.fetch_document(old_uri)
    url = get_id(doc.get("connections"))
    if not url or not same_origin(url, old_uri) or not same_origin(final_url, old_uri):
        return []
    _, collection = await svc.remote.fetch_document(url)
    items, next_url = fmoves.first_page(collection)
    pages = 0
    while next_url and len(items) < MAX_CARRIED and pages < MAX_PAGES:
        if not same_origin(next_url, old_uri):
            break
        _, page = await svc.remote.fetch_document(next_url)
        items += fmoves.collection_items(page)
        next_url, pages = fmoves.next_page(page), pages + 1
    return list(dict.fromkeys(items))[:MAX_CARRIED]


async def _carry_one(svc: Services, new: AccountRow, old: AccountRow, uri: str) -> str:
    """One connection of ``old``: "asked", "connected" or "skipped"."""
    try:
        peer = await _account(svc, uri)
    except FederationError as exc:
        log.info("not carrying %s's connection %s: %s", old.uri or old.username, uri, exc)
        return "skipped"
    if peer is None or peer.id in (new.id, old.id) or peer.actor_type != "Person":
        return "skipped"
    async with svc.db.transaction() as conn:
        if peer.is_local:
            made = await accept_moved(svc, conn, peer, new, old, uri=None)
            return "connected" if made else "skipped"
        if not peer.speaks_warmline or not await _may_ask(conn, new, peer):
            return "skipped"
        await _ask(svc, conn, new, old, peer)
    return "asked"


async def _may_ask(conn: AsyncConnection, new: AccountRow, peer: AccountRow) -> bool:
    """Not connected, never asked by ``new``, no request of theirs waiting, no block."""
    if await connections_q.are_connected(conn, new.id, peer.id):
        return False
    if await connections_q.ever_requested(conn, new.id, peer.id):
        return False
    if await connections_q.pending_request(conn, peer.id, new.id) is not None:
        return False
    return not await connections_q.blocked_either_way(conn, new.id, peer.id)


async def _ask(
    svc: Services, conn: AsyncConnection, new: AccountRow, old: AccountRow, peer: AccountRow
) -> None:
    """A pending request from ``new`` to ``peer``, sent as a Connect with ``movedFrom``
    (not counted against the daily limit: the member did not choose these people)."""
    now, request_id = svc.now(), svc.db.new_id()
    uri = svc.urls.activity(new.username, connections.MOVED_CONNECT, request_id)
    note = f"{objects.acct(svc, old)} moved to this account"
    await connections_q.insert_request(
        conn,
        {"id": request_id, "account_id": new.id, "target_account_id": peer.id, "note": note,
         "state": PENDING, "uri": uri, "fallback": False, "created_at": now, "updated_at": now},
    )  # fmt: skip
    old_uri = objects.account_uri(svc, old)
    doc = wl.connect(uri, objects.account_uri(svc, new), peer.uri or "", note, moved_from=old_uri)
    await send(svc, conn, new, doc, Recipients(accounts=[peer]))


# --- the old account's server -----------------------------------------------------------


async def may_list_connections(svc: Services, owner: AccountRow, signer: str) -> bool:
    """Whether the verified ``signer`` of a fetch speaks for the account ``owner``
    moved to: that account itself, or the instance actor of its server (which
    signs the fetches of a Warmline server)."""
    async with svc.db.read() as conn:
        target_id = await moves_q.moved_to(conn, owner.id)
        target = await accounts_q.get_account(conn, target_id) if target_id else None
        if target is None or target.is_local or not target.uri:
            return False
        if signer == target.uri:
            return True
        if not same_origin(signer, target.uri):
            return False
        signing = await accounts_q.get_account_by_uri(conn, signer)
    return signing is not None and signing.actor_type in INSTANCE_ACTOR_TYPES


# --- a connection's server ----------------------------------------------------------------


async def moved_old(svc: Services, new: AccountRow, moved_from: str) -> AccountRow | None:
    """The account a Connect's signer ``new`` says it moved from, when both checks
    that need the network hold: it moved to ``new``, and ``new``'s own document
    (fetched from its origin) names it in ``alsoKnownAs``. None otherwise."""
    if new.is_local or not new.uri:
        return None
    try:
        old = await _account(svc, moved_from)
        if old is None or old.id == new.id or not await moved_to(svc, old, new):
            return None
        final_url, doc = await svc.remote.fetch_document(new.uri)
        if not fmoves.confirms(doc, MoveClaim(moved_from, new.uri), final_url):
            return None
        await svc.remote.fetch_actor(new.uri, refresh=True)  # its skills, as they are now
    except FederationError as exc:
        log.info("movedFrom %s of %s not confirmed: %s", moved_from, new.uri, exc)
        return None
    return old


async def accept_moved(
    svc: Services,
    conn: AsyncConnection,
    member: AccountRow,
    new: AccountRow,
    old: AccountRow,
    *,
    uri: str | None,
) -> bool:
    """In the caller's transaction: ``member`` (ours), connected with ``old``, is
    connected with ``new`` at once, told so, and gives ``new`` what it gave ``old``.
    ``uri``: the Connect that asked (answered with Accept); None when ``new`` is
    ours too. False (nothing done) when ``member`` was not connected with ``old``,
    or a block stands between ``member`` and ``new``."""
    if not await connections_q.are_connected(conn, member.id, old.id):
        return False
    if await connections_q.blocked_either_way(conn, member.id, new.id):
        return False
    if await connections_q.are_connected(conn, member.id, new.id) and uri is None:
        return False
    new = await accounts_q.get_account(conn, new.id) or new  # as just refreshed
    now, request_id = svc.now(), svc.db.new_id()
    note = f"{objects.acct(svc, old)} moved to {objects.acct(svc, new)}"
    await connections_q.insert_request(
        conn,
        {"id": request_id, "account_id": new.id, "target_account_id": member.id, "note": note,
         "state": ACCEPTED,
         "uri": uri or svc.urls.activity(new.username, connections.MOVED_CONNECT, request_id),
         "fallback": False, "created_at": now, "updated_at": now},
    )  # fmt: skip
    made = await connections.connect(svc, conn, new, member, note)
    if uri is not None:
        answer_id = svc.urls.activity(member.username, "accept", request_id)
        doc = wl.answer(
            "Accept", answer_id, objects.account_uri(svc, member), uri, to=[new.uri or ""]
        )
        await send(svc, conn, member, doc, Recipients(accounts=[new]))
    if not made:
        return True
    await notify(svc, conn, member.id, "warmline.connection_moved", new.id, subject_id=request_id)
    if new.is_local:
        await notify(
            svc, conn, new.id, "warmline.connection_accepted", member.id, subject_id=request_id
        )
    await _carry_endorsements(svc, conn, member, new, old)
    await _carry_recommendation(svc, conn, member, new, old)
    return True


async def _carry_endorsements(
    svc: Services, conn: AsyncConnection, member: AccountRow, new: AccountRow, old: AccountRow
) -> None:
    """``member``'s endorsements of ``old``, for the skills ``new`` lists, given to ``new``."""
    for given in await endorsements_q.endorsements_between(conn, member.id, old.id):
        skill = listed_skill(new.skills, given.skill)
        if skill is None or await endorsements_q.find_endorsement(conn, member.id, new.id, skill):
            continue
        row_id = svc.db.new_id()
        uri = svc.urls.activity(member.username, "endorsements", row_id)
        values = {"id": row_id, "uri": uri, "account_id": member.id,
                  "target_account_id": new.id, "skill": skill, "created_at": svc.now()}  # fmt: skip
        if not await endorsements_q.insert_endorsement(conn, values):
            continue
        if new.is_local:
            await notify(svc, conn, new.id, "warmline.endorsement", member.id, subject_id=row_id)
        else:
            doc = wl.endorse(uri, svc.urls.actor(member.username), new.uri or "", skill)
            await send(svc, conn, member, doc, Recipients(accounts=[new]))


async def _carry_recommendation(
    svc: Services, conn: AsyncConnection, member: AccountRow, new: AccountRow, old: AccountRow
) -> None:
    """``member``'s recommendation of ``old`` (waiting or shown), written for ``new``.

    It waits for ``new``'s approval, except when ``new`` is ours: then we know
    ``old`` approved it (its own answer, or its signed Accept) and ``old`` is ``new``."""
    rec = await endorsements_q.open_recommendation(conn, member.id, old.id)
    if rec is None or await endorsements_q.open_recommendation(conn, member.id, new.id):
        return
    row_id, now = svc.db.new_id(), svc.now()
    uri = svc.urls.activity(member.username, "recommendations", row_id)
    state = APPROVED if new.is_local and rec.state == APPROVED else PENDING
    values = {"id": row_id, "uri": uri, "account_id": member.id, "target_account_id": new.id,
              "text": rec.text, "state": state, "created_at": now, "updated_at": now}  # fmt: skip
    if not await endorsements_q.insert_recommendation(conn, values):
        return
    if new.is_local:
        await notify(svc, conn, new.id, "warmline.recommendation", member.id, subject_id=row_id)
    else:
        doc = wl.recommend(uri, svc.urls.actor(member.username), new.uri or "", rec.text)
        await send(svc, conn, member, doc, Recipients(accounts=[new]))
