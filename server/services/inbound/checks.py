"""Door checks for relationship steps: only the party who may act next moves one on.

Each function looks up the connection request or introduction that an
Accept, Reject or Undo names. It returns None when the id is not one of
those, True when ``actor`` (the verified signer) may take this step now, and
raises Forbidden otherwise, so a step from anyone else, or out of turn, is
refused before anything is stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from server.services.errors import Forbidden
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import introductions as intro_q
from server.store.accounts import AccountRow
from server.store.introductions import FORWARDED, IntroductionRow


async def _uri_of(conn: AsyncConnection, account_id: int) -> str | None:
    """A remote account's actor id (None for local accounts: they never sign deliveries)."""
    account = await accounts_q.get_account(conn, account_id)
    return account.uri if account is not None and not account.is_local else None


async def answer_to_connect(
    conn: AsyncConnection, doc: dict[str, Any], actor: str, answered: str
) -> bool | None:
    request = await connections_q.get_request_by_uri(conn, answered)
    if request is None:
        return None
    if await _uri_of(conn, request.target_account_id) != actor:
        raise Forbidden(f"{doc.get('type')} refused: that connection request was not sent to you")
    if request.state != connections_q.PENDING:
        raise Forbidden(f"{doc.get('type')} refused: that connection request is {request.state}")
    return True


async def undo_connect(
    conn: AsyncConnection, doc: dict[str, Any], actor: str, undone: str
) -> bool | None:
    request = await connections_q.get_request_by_uri(conn, undone)
    if request is None:
        return None
    if await _uri_of(conn, request.account_id) != actor:
        raise Forbidden("an Undo may only undo the actor's own connection request")
    return True


async def _parties(conn: AsyncConnection, intro: IntroductionRow) -> dict[str, AccountRow]:
    found = await accounts_q.get_accounts(
        conn, [intro.requester_id, intro.introducer_id, intro.target_id]
    )
    return {
        "requester": found[intro.requester_id],
        "introducer": found[intro.introducer_id],
        "target": found[intro.target_id],
    }


def _is(account: AccountRow, actor: str) -> bool:
    return not account.is_local and account.uri == actor


async def answer_to_introduction(
    conn: AsyncConnection, doc: dict[str, Any], actor: str, answered: str
) -> bool | None:
    """Accept: only the target, once the introducer forwarded it (as far as
    this instance can know). Reject: the target, to the introducer's
    instance; or the introducer, to the requester's instance."""
    intro = await intro_q.get_by_uri(conn, answered)
    if intro is None or intro.uri != answered:
        return None
    kind = doc.get("type")
    party = await _parties(conn, intro)
    introducer_here = party["introducer"].is_local
    now = datetime.now(UTC)
    if not intro.is_open(now):
        raise Forbidden(f"{kind} refused: the introduction is {intro.effective_state(now)}")
    if _is(party["target"], actor) and (not introducer_here or intro.state == FORWARDED):
        return True
    if kind == "Reject" and _is(party["introducer"], actor) and party["requester"].is_local:
        return True
    raise Forbidden(f"{kind} refused: it is not your turn in this introduction")


async def undo_introduction(
    conn: AsyncConnection, doc: dict[str, Any], actor: str, undone: str
) -> bool | None:
    """The requester withdraws their request; the introducer their forward."""
    intro = await intro_q.get_by_uri(conn, undone)
    if intro is None:
        return None
    party = await _parties(conn, intro)
    own = party["requester"] if undone == intro.uri else party["introducer"]
    if not _is(own, actor):
        raise Forbidden("an Undo may only undo the actor's own step of an introduction")
    return True


async def undo_block(
    conn: AsyncConnection, doc: dict[str, Any], actor: str, undone: str
) -> bool | None:
    """Only the blocker lifts a block (an Undo naming it by the Block's id)."""
    block = await connections_q.get_block_by_uri(conn, undone)
    if block is None:
        return None
    if await _uri_of(conn, block.account_id) != actor:
        raise Forbidden("an Undo may only undo the actor's own Block")
    return True
