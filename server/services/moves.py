"""Moving between servers, as Mastodon does it (``federation/moves.py``).

To move *to* this server, a member names their old account among their aliases
(``alsoKnownAs``), then moves the old account from its own server. To move
*away*, a member names the new account (which must already list this one among
its aliases) and confirms with their password: the ``Move`` goes to their
followers, the actor says ``movedTo``, and members here who followed them now
follow the new account. When a ``Move`` arrives from elsewhere, it is believed
only if the new account's own document names the old one; members here who
followed the old account then follow the new one (a Follow, pending until its
server accepts). The Move also goes to the new account; when that account is
ours, its connections are carried over too (``move_carry.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import moves as fmoves
from federation.errors import FederationError
from federation.moves import MoveClaim
from server.services import graph, move_carry, objects, passwords
from server.services.context import Services
from server.services.errors import Forbidden, NotFound, ServiceError, ValidationError
from server.services.outbox import Recipients, send
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import graph as graph_q
from server.store import moves as q
from server.store.accounts import AccountRow

log = logging.getLogger(__name__)


async def _resolve(svc: Services, acct: str, field: str) -> AccountRow:
    """An account by ``user@host`` (or a local ``user``), fetched afresh when remote."""
    handle = acct.strip().removeprefix("@")
    user, _, host = handle.partition("@")
    if not user or " " in handle or handle.count("@") > 1:
        raise ValidationError(f"{field} must be an account's handle, like name@server.example",
                              field=field)  # fmt: skip
    try:
        if not host or host.lower() in (svc.config.domain, svc.config.host):
            async with svc.db.read() as conn:
                account = await accounts_q.get_local_account(conn, user)
        else:
            account = await svc.remote.resolve_handle(handle)
            account = await svc.remote.fetch_actor(account.uri or "", refresh=True)
    except FederationError as exc:
        raise NotFound(f"{handle} could not be found: {exc}") from None
    if account is None or account.actor_type != "Person":
        raise NotFound(f"{handle} is not an account that can be an alias")
    return account


async def aliases(svc: Services, me: AccountRow) -> list[str]:
    async with svc.db.read() as conn:
        return await q.aliases(conn, me.id)


async def add_alias(svc: Services, me: AccountRow, acct: str) -> list[str]:
    """Name another account as this member's too (before moving it here)."""
    other = await _resolve(svc, acct, "acct")
    if other.id == me.id:
        raise ValidationError("An account cannot be its own alias", field="acct")
    uri = objects.account_uri(svc, other)
    await svc.keyring.for_account(me.id, me.username)
    async with svc.db.transaction() as conn:
        known = await q.aliases(conn, me.id)
        if uri not in known and len(known) >= fmoves.MAX_ALIASES:
            raise ValidationError(f"At most {fmoves.MAX_ALIASES} aliases", field="acct")
        if await q.add_alias(conn, me.id, uri, svc.now()):
            await _tell_followers(svc, conn, me)
        found = await q.aliases(conn, me.id)
    svc.wake.deliveries.set()
    return found


async def remove_alias(svc: Services, me: AccountRow, acct: str) -> list[str]:
    async with svc.db.read() as conn:
        known = await q.aliases(conn, me.id)
    handle = acct.strip().removeprefix("@")
    uri = handle if handle in known else None
    if uri is None:
        other = await _resolve(svc, acct, "acct")
        uri = objects.account_uri(svc, other)
    await svc.keyring.for_account(me.id, me.username)
    async with svc.db.transaction() as conn:
        if not await q.remove_alias(conn, me.id, uri):
            raise NotFound("That account is not one of your aliases")
        await _tell_followers(svc, conn, me)
        found = await q.aliases(conn, me.id)
    svc.wake.deliveries.set()
    return found


async def _tell_followers(svc: Services, conn: AsyncConnection, me: AccountRow) -> None:
    from server.services.actors import send_update  # actors imports members: import late

    current = await accounts_q.get_account(conn, me.id)
    await send_update(svc, conn, current or me)


async def move(svc: Services, me: AccountRow, target_acct: str, password: str) -> AccountRow:
    """Move ``me`` to ``target_acct``, which must name ``me`` among its aliases."""
    async with svc.db.read() as conn:
        stored = await accounts_q.get_password_hash(conn, me.id)
    if not await passwords.verify_password(stored, password):
        raise Forbidden("This is not your password")
    target = await _resolve(svc, target_acct, "target")
    if target.id == me.id:
        raise ValidationError("You cannot move to this same account", field="target")
    me_uri = objects.account_uri(svc, me)
    if me_uri not in await _aliases_of(svc, target):
        raise ValidationError(
            f"{objects.acct(svc, target)} does not name this account among its aliases yet: "
            "add it there first (its settings, 'Moving from another account')",
            field="target",
        )
    await svc.keyring.for_account(me.id, me.username)
    async with svc.db.transaction() as conn:
        await q.set_move(conn, me.id, target.id, svc.now())
        await _tell_followers(svc, conn, me)  # the actor now says movedTo
        stamp = int(svc.now().timestamp() * 1000)
        doc = fmoves.move(
            f"{me_uri}#moves/{stamp}", me_uri, objects.account_uri(svc, target),
            objects.followers_uri(svc, me),
        )  # fmt: skip
        # The new account's server hears it too: it carries the connections over.
        also = () if target.is_local else (target,)
        await send(svc, conn, me, doc, Recipients(followers=True, accounts=also))
        await _carry_local_followers(svc, conn, me, target)
    svc.wake.deliveries.set()
    if target.is_local:  # both here: the connections are carried now
        try:
            await move_carry.carry(svc, target, me_uri)
        except ServiceError as exc:  # the move stands; the member can retry by hand
            log.info("connections of %s not carried to %s: %s", me_uri, target.username, exc)
    return target


async def _aliases_of(svc: Services, account: AccountRow) -> list[str]:
    if account.is_local:
        async with svc.db.read() as conn:
            return await q.aliases(conn, account.id)
    _, doc = await svc.remote.fetch_document(account.uri or "")
    return fmoves.aliases_of(doc)


async def _carry_local_followers(
    svc: Services, conn: AsyncConnection, old: AccountRow, new: AccountRow
) -> int:
    """Members here who followed ``old`` follow ``new`` instead (unless a block
    stands between them); how many."""
    moved = 0
    for follower_id in await graph_q.local_follower_ids(conn, old.id):
        follower = await accounts_q.get_account(conn, follower_id)
        if follower is None or follower.id == new.id:
            continue
        await graph.write_unfollow(svc, conn, follower, old)
        if await connections_q.blocked_either_way(conn, follower.id, new.id):
            continue
        await graph.write_follow(svc, conn, follower, new)
        moved += 1
    return moved


async def on_move(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """A Move from elsewhere: believed when the target's own document names the
    signer among its aliases; our members who followed the signer follow the target."""
    claim = fmoves.read_move(doc, actor)
    if claim is None:
        return
    if not await _confirmed(svc, claim):
        log.info("Move of %s to %s not confirmed by the target's aliases", claim.old, claim.new)
        return
    old = await svc.remote.fetch_actor(claim.old)
    local_id = svc.urls.local_username(claim.new)
    async with svc.db.transaction() as conn:
        if local_id is not None:
            new = await accounts_q.get_local_account(conn, local_id)
        else:
            new = await accounts_q.get_account_by_uri(conn, claim.new)
        if new is None or old.is_local:
            return
        await q.set_move(conn, old.id, new.id, svc.now())
        await _carry_local_followers(svc, conn, old, new)
    svc.wake.deliveries.set()
    if new.is_local:  # moved here: its connections are asked to connect with it
        try:
            await move_carry.carry(svc, new, claim.old)
        except ServiceError as exc:
            log.info("connections of %s not carried to %s: %s", claim.old, claim.new, exc)


async def _confirmed(svc: Services, claim: MoveClaim) -> bool:
    local = svc.urls.local_username(claim.new)
    if local is not None:
        async with svc.db.read() as conn:
            account = await accounts_q.get_local_account(conn, local)
            return account is not None and claim.old in await q.aliases(conn, account.id)
    final_url, target_doc = await svc.remote.fetch_document(claim.new)
    if not fmoves.confirms(target_doc, claim, final_url):
        return False
    await svc.remote.fetch_actor(claim.new, refresh=True)  # stored, as followed next
    return True


async def carry_from(svc: Services, me: AccountRow, acct: str) -> move_carry.Carried:
    """By hand (in case the Move never reached us): bring the connections of the
    account ``acct`` (a handle, or the id of one of ``me``'s aliases) to ``me``."""
    async with svc.db.read() as conn:
        known = await q.aliases(conn, me.id)
    handle = acct.strip().removeprefix("@")
    uri = handle if handle in known else None
    if uri is None:
        uri = objects.account_uri(svc, await _resolve(svc, acct, "acct"))
    return await move_carry.carry(svc, me, uri)


async def moved_to(svc: Services, account: AccountRow) -> AccountRow | None:
    async with svc.db.read() as conn:
        target_id = await q.moved_to(conn, account.id)
        return await accounts_q.get_account(conn, target_id) if target_id else None
