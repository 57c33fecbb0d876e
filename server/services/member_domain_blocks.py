"""A member's own blocks of whole servers, as Mastodon's ``/api/v1/domain_blocks``
(not the admins' server-wide blocks: ``domain_blocks.py``).

Blocking a domain, in one transaction (Mastodon's AfterBlockDomainFromAccountService):
the member's notifications from accounts there are dropped; the member's follows
of accounts there end (``Undo(Follow)`` goes out, as an unfollow); their
followers and follow requests from there are removed, each told with a
``Reject(Follow)``. Afterwards posts, boosts and notifications from accounts on
that domain are left out of the member's timelines (``store/exclusions``) and
notifications (``notify``), a new follow from there is refused, and the
Mastodon Relationship says ``domain_blocking``. Unblocking restores nothing.

The domain is written as the admins' blocks write it (``domains.normalise``:
lower case, IDNA, no scheme, path or ``*.``); this server's own is refused.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from server.services import domains, graph
from server.services.context import Services
from server.services.errors import ValidationError
from server.services.outbox import Recipients, send
from server.store import account_domain_blocks as q
from server.store import accounts as accounts_q
from server.store import feeds as feeds_q
from server.store import graph as graph_q
from server.store.accounts import AccountRow
from server.store.statuses import Page


def normalise(svc: Services, text: str) -> str:
    """The one spelling of a domain a member names; refused (422, in words) when
    it is not a domain or is this server's own."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("Name the server to block, e.g. example.social", field="domain")
    domain = domains.normalise(text, field="domain")
    own = {svc.config.domain.lower(), svc.config.host.lower()}
    if domain in own or domains.host_of(domain) in own:
        raise ValidationError("You cannot block the server you are on", field="domain")
    if "." not in domain and ":" not in domain:
        raise ValidationError(f"not a domain name: {text!r}", field="domain")
    return domain


async def block(svc: Services, me: AccountRow, text: str) -> str:
    """Block the server ``text`` names for ``me``; blocking it twice changes nothing."""
    domain = normalise(svc, text)
    async with svc.db.transaction() as conn:
        if await q.add(conn, me.id, domain, svc.now()):
            await _after_block(svc, conn, me, domain)
    await svc.stream.reload(svc.db, [me.id])
    svc.wake.deliveries.set()
    return domain


async def unblock(svc: Services, me: AccountRow, text: str) -> str:
    """Lift ``me``'s block of the server ``text`` names (nothing when there is none)."""
    domain = domains.normalise(text, field="domain") if text and text.strip() else ""
    if not domain:
        raise ValidationError("Name the server to unblock", field="domain")
    async with svc.db.transaction() as conn:
        await q.remove(conn, me.id, domain)
    await svc.stream.reload(svc.db, [me.id])
    return domain


async def _after_block(svc: Services, conn: AsyncConnection, me: AccountRow, domain: str) -> None:
    await q.delete_notifications_from_domain(conn, me.id, domain)
    mine, theirs = await q.follows_with(conn, me.id, domain)
    for target_id in mine:
        target = await accounts_q.get_account(conn, target_id)
        if target is not None:
            await graph.write_unfollow(svc, conn, me, target)
    for follower_id in theirs:
        follower = await accounts_q.get_account(conn, follower_id)
        row = await graph_q.get_follow(conn, follower_id, me.id)
        if follower is None or row is None:
            continue
        await graph_q.delete_follow(conn, row.id)
        await feeds_q.remove_account_from_home_feed(conn, follower.id, me.id)
        if not follower.is_local and row.uri:
            doc = graph.answer_document(svc, me, follower, row, accept=False)
            await send(svc, conn, me, doc, Recipients(accounts=[follower]))


async def listed(svc: Services, me: AccountRow, page: Page) -> list[tuple[int, str]]:
    """(paging cursor, domain) of ``me``'s blocks, newest first."""
    async with svc.db.read() as conn:
        return await q.list_page(conn, me.id, page)


async def all_domains(svc: Services, me: AccountRow) -> list[str]:
    """Every server ``me`` blocks, alphabetically (the settings page, the CSV export)."""
    async with svc.db.read() as conn:
        return await q.all_domains(conn, me.id)


async def blocks_domain_of(svc: Services, me: AccountRow, other: AccountRow) -> bool:
    """Whether ``me`` blocks the server ``other`` is on."""
    async with svc.db.read() as conn:
        return await q.is_blocked(conn, me.id, other.domain)
