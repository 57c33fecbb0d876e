"""Warm introductions: A asks B (connected to both) to introduce A to C.

B forwards with a note of their own, or declines; C accepts or declines. On
accept A and C are connected and B opens a direct conversation with both.
Whoever declines, A hears only that it did not happen now, from B; C never
hears of a request B declined. Each party's instance keeps its own row; each
step goes, as a signed activity, only to the party who may act next (the
door, server/services/inbound/checks.py, refuses anyone else).

The effects of a step (``after_*``) are the same whether the step was taken
here (through the API) or arrived from another instance: notify the parties
who are local, send to the ones who are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import relations as wl
from server.services import connections, objects, posts
from server.services.context import Services
from server.services.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    TooMany,
    ValidationError,
)
from server.services.notify import notify
from server.services.outbox import Recipients, send
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import introductions as q
from server.store.accounts import AccountRow
from server.store.introductions import (
    ACCEPTED,
    DECLINED,
    FORWARDED,
    REQUESTED,
    WITHDRAWN,
    IntroductionRow,
)
from server.store.statuses import Page

MAX_TEXT = 1000
MAX_INTRODUCERS = 50  # connections offered to ask, when none is known to know the target
INTRODUCERS_SCANNED = 500  # of the newest connections
ROLES = ("requester", "introducer", "target")


@dataclass(frozen=True, slots=True)
class Parties:
    requester: AccountRow
    introducer: AccountRow
    target: AccountRow


async def parties(conn: AsyncConnection, intro: IntroductionRow) -> Parties:
    found = await accounts_q.get_accounts(
        conn, [intro.requester_id, intro.introducer_id, intro.target_id]
    )
    return Parties(found[intro.requester_id], found[intro.introducer_id], found[intro.target_id])


def clean_text(value: object, field: str, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be text", field=field)
    value = value.strip()
    if required and not value:
        raise ValidationError(f"{field} is required", field=field)
    if len(value) > MAX_TEXT:
        raise ValidationError(f"{field} is longer than {MAX_TEXT} characters", field=field)
    return value


def expiry(svc: Services, start: datetime, offered: datetime | None = None) -> datetime:
    """When an introduction lapses: ours, or the requester's if sooner."""
    ours = start + timedelta(days=svc.config.network.introduction_expiry_days)
    return min(ours, offered) if offered is not None and offered > start else ours


# --- the requester asks --------------------------------------------------------------


async def request(
    svc: Services, me: AccountRow, target: AccountRow, via: AccountRow, reason: str
) -> IntroductionRow:
    reason = clean_text(reason, "reason", required=True)
    now = svc.now()
    async with svc.db.transaction() as conn:
        await _check_request(svc, conn, me, target, via, now)
        intro_id = svc.db.new_id()
        await q.insert_introduction(
            conn,
            {
                "id": intro_id,
                "uri": svc.urls.activity(me.username, "introductions", intro_id),
                "requester_id": me.id,
                "introducer_id": via.id,
                "target_id": target.id,
                "reason": reason,
                "state": REQUESTED,
                "created_at": now,
                "updated_at": now,
                "expires_at": expiry(svc, now),
            },
        )
        intro = await q.get_introduction(conn, intro_id)
        assert intro is not None
        await after_request(svc, conn, intro, Parties(me, via, target))
    svc.wake.deliveries.set()
    return intro


async def _check_request(
    svc: Services,
    conn: AsyncConnection,
    me: AccountRow,
    target: AccountRow,
    via: AccountRow,
    now: datetime,
) -> None:
    if len({me.id, target.id, via.id}) < 3:
        raise ValidationError("the requester, the introducer and the target must be three people")
    if not via.speaks_warmline:
        raise ValidationError(
            f"{objects.acct(svc, via)}'s server does not support introductions",
            field="via_account_id",
        )
    await check_target(svc, conn, me, target, now)
    if not await connections_q.are_connected(conn, me.id, via.id):
        raise ValidationError("you can only ask one of your connections", field="via_account_id")
    if via.is_local and not await connections_q.are_connected(conn, via.id, target.id):
        raise ValidationError(
            "the introducer can only introduce you to their connections", field="via_account_id"
        )
    for a, b in ((me, via), (via, target)):
        if await connections_q.blocked_either_way(conn, a.id, b.id):
            raise Forbidden("this introduction is not possible")
    # One open request per requester, target and introducer: asking again is spam.
    for intro in await q.requested_towards(conn, me.id, target.id):
        if intro.introducer_id == via.id and intro.is_open(now):
            raise Conflict(
                f"you have already asked {objects.acct(svc, via)} for this introduction; "
                "it is waiting for an answer"
            )


@dataclass(frozen=True, slots=True)
class Known:
    """Where two members stand, as a caller read it already (a profile's box)."""

    connected: bool
    blocked: bool  # either way


async def check_target(
    svc: Services,
    conn: AsyncConnection,
    me: AccountRow,
    target: AccountRow,
    now: datetime,
    *,
    known: Known | None = None,
) -> None:
    """May ``me`` ask to be introduced to ``target`` at all (whoever would introduce)?
    Raises when not: pages ask it before they offer the request. What the caller
    has read already (``known``) is not read again."""
    if not target.speaks_warmline:
        raise ValidationError(
            f"{objects.acct(svc, target)}'s server does not support introductions",
            field="target_account_id",
        )
    if not target.accepts_introductions:
        raise ValidationError(
            "this member does not accept introductions", field="target_account_id"
        )
    if known is None:
        known = Known(
            connected=await connections_q.are_connected(conn, me.id, target.id),
            blocked=await connections_q.blocked_either_way(conn, me.id, target.id),
        )
    if known.connected:
        raise Conflict("you are already connected")
    if known.blocked:
        raise Forbidden("this introduction is not possible")
    since = now - timedelta(days=1)
    limit = svc.config.network.introduction_daily_limit
    if await q.count_requested_since(conn, me.id, since) >= limit:
        raise TooMany(f"you can ask for {limit} introductions a day; try again tomorrow")


async def target_refusal(
    svc: Services, me: AccountRow, target: AccountRow, *, known: Known | None = None
) -> ServiceError | None:
    """Why ``me`` may not ask to be introduced to ``target`` now (``check_target``), or None."""
    async with svc.db.read() as conn:
        try:
            await check_target(svc, conn, me, target, svc.now(), known=known)
        except ServiceError as exc:
            return exc
    return None


async def possible_introducers(
    svc: Services, me: AccountRow, target: AccountRow, *, limit: int = MAX_INTRODUCERS
) -> list[AccountRow]:
    """Who ``me`` might ask to be introduced to ``target`` when no shared connection
    is known here: ``target`` is elsewhere, and its instance does not tell ours who
    they know. ``me``'s connections on other Warmline instances, newest first; the
    one asked has their own instance check that they know ``target`` (it declines
    for them when not, and ``me`` hears only "not now"). None for a local ``target``:
    every connection of theirs is known here."""
    if target.is_local:
        return []
    async with svc.db.read() as conn:
        found = await connections_q.list_connections(conn, me.id, limit=INTRODUCERS_SCANNED)
    peers = [c.peer for c in found if c.peer.id != target.id and c.peer.suspended_at is None]
    return [p for p in peers if not p.is_local and p.speaks_warmline][:limit]


async def open_requests(svc: Services, me: AccountRow, target: AccountRow) -> list[IntroductionRow]:
    """``me``'s introductions to ``target`` still waiting for an answer."""
    async with svc.db.read() as conn:
        found = await q.requested_towards(conn, me.id, target.id)
    return [intro for intro in found if intro.is_open(svc.now())]


async def after_request(
    svc: Services, conn: AsyncConnection, intro: IntroductionRow, p: Parties
) -> None:
    if p.introducer.is_local:
        await _notify(svc, conn, p.introducer, "introduction_request", p.requester, intro)
    elif p.requester.is_local:
        doc = wl.request_introduction(
            intro.uri,
            objects.account_uri(svc, p.requester),
            objects.account_uri(svc, p.introducer),
            objects.account_uri(svc, p.target),
            intro.reason,
            expires=intro.expires_at,
        )
        await send(svc, conn, p.requester, doc, Recipients(accounts=[p.introducer]))


# --- the introducer forwards or declines; the target accepts or declines --------------


async def _mine(
    svc: Services, conn: AsyncConnection, me: AccountRow, intro_id: int, role: str, state: str
) -> tuple[IntroductionRow, Parties]:
    """The introduction, if ``me`` plays ``role`` in it and it waits in ``state``."""
    intro = await q.get_introduction(conn, intro_id)
    if intro is None or getattr(intro, f"{role}_id") != me.id:
        raise NotFound("Introduction not found")
    if role == "target" and intro.forward_uri is None:
        raise NotFound("Introduction not found")
    current = intro.effective_state(svc.now())
    if current != state:
        raise Conflict(f"this introduction is {view_state(intro, role, svc.now())}")
    return intro, await parties(conn, intro)


async def forward(svc: Services, me: AccountRow, intro_id: int, note: str) -> IntroductionRow:
    note = clean_text(note, "note")
    async with svc.db.transaction() as conn:
        intro, p = await _mine(svc, conn, me, intro_id, "introducer", REQUESTED)
        if not p.target.accepts_introductions:
            raise ValidationError("this member does not accept introductions")
        if not await connections_q.are_connected(conn, me.id, p.target.id):
            raise ValidationError("you can only introduce people to your connections")
        if await connections_q.blocked_either_way(conn, p.requester.id, p.target.id):
            raise Forbidden("this introduction is not possible")
        forward_uri = svc.urls.activity(me.username, "introduce", intro.id)
        await q.update_introduction(
            conn, intro.id, svc.now(), state=FORWARDED, note=note, forward_uri=forward_uri
        )
        intro = await _reload(conn, intro.id)
        await after_forward(svc, conn, intro, p)
    svc.wake.deliveries.set()
    return intro


async def after_forward(
    svc: Services, conn: AsyncConnection, intro: IntroductionRow, p: Parties
) -> None:
    if p.target.is_local:
        await _notify(svc, conn, p.target, "introduction_forwarded", p.introducer, intro)
    elif p.introducer.is_local:
        doc = wl.introduce(
            intro.forward_uri or "",
            objects.account_uri(svc, p.introducer),
            objects.account_uri(svc, p.requester),
            objects.account_uri(svc, p.target),
            introduction=intro.uri,
            reason=intro.reason,
            note=intro.note,
            expires=intro.expires_at,
        )
        await send(svc, conn, p.introducer, doc, Recipients(accounts=[p.target]))


async def accept(svc: Services, me: AccountRow, intro_id: int) -> IntroductionRow:
    async with svc.db.transaction() as conn:
        intro, p = await _mine(svc, conn, me, intro_id, "target", FORWARDED)
        await q.update_introduction(conn, intro.id, svc.now(), state=ACCEPTED)
        await after_accept(svc, conn, await _reload(conn, intro.id), p)
        intro = await _reload(conn, intro.id)  # with the conversation's status, if opened
    svc.wake.deliveries.set()
    return intro


async def after_accept(
    svc: Services, conn: AsyncConnection, intro: IntroductionRow, p: Parties
) -> None:
    note = f"Introduced by {p.introducer.display_name or p.introducer.username}"
    await connections.connect(svc, conn, p.requester, p.target, note)
    for party in (p.requester, p.introducer):
        if party.is_local:
            await _notify(svc, conn, party, "introduction_accepted", p.target, intro)
    remote = [a for a in (p.requester, p.introducer) if not a.is_local]
    if p.target.is_local and remote:
        await _answer(svc, conn, intro, "Accept", p.target, remote)
    await _open_conversation(svc, conn, intro, p)


async def _answer(
    svc: Services,
    conn: AsyncConnection,
    intro: IntroductionRow,
    kind: str,
    sender: AccountRow,
    to: list[AccountRow],
) -> None:
    """Send ``kind`` (Accept or Reject) of the introduction from ``sender`` to ``to``."""
    activity_id = svc.urls.activity(sender.username, kind.lower(), intro.id)
    to_uris = [objects.account_uri(svc, a) for a in to]
    doc = wl.answer(kind, activity_id, objects.account_uri(svc, sender), intro.uri, to=to_uris)
    await send(svc, conn, sender, doc, Recipients(accounts=to))


async def _open_conversation(
    svc: Services, conn: AsyncConnection, intro: IntroductionRow, p: Parties
) -> None:
    """The introducer's instance opens a direct thread to all three, in the
    acceptance's transaction (so it happens once, or not at all)."""
    if not p.introducer.is_local or intro.status_id is not None:
        return
    words = intro.note or "I'd like you two to meet."
    if intro.reason:
        words += f"\n\n({objects.acct(svc, p.requester)} asked: {intro.reason})"
    message = posts.direct_message(svc, [p.requester, p.target], words)
    status = await posts.write_status(svc, conn, p.introducer, message)
    await q.update_introduction(conn, intro.id, svc.now(), status_id=status.id)


async def decline(svc: Services, me: AccountRow, intro_id: int) -> IntroductionRow:
    """The introducer (before forwarding) or the target (after) says no."""
    async with svc.db.transaction() as conn:
        intro = await q.get_introduction(conn, intro_id)
        role = "target" if intro is not None and intro.target_id == me.id else "introducer"
        state = FORWARDED if role == "target" else REQUESTED
        intro, p = await _mine(svc, conn, me, intro_id, role, state)
        await q.update_introduction(conn, intro.id, svc.now(), state=DECLINED, declined_by=role)
        intro = await _reload(conn, intro.id)
        await after_decline(svc, conn, intro, p, by=role)
    svc.wake.deliveries.set()
    return intro


async def after_decline(
    svc: Services, conn: AsyncConnection, intro: IntroductionRow, p: Parties, *, by: str
) -> None:
    """A declined introduction reaches the requester only as "not now", from the introducer."""
    if by == "target":
        if p.target.is_local and not p.introducer.is_local:
            await _answer(svc, conn, intro, "Reject", p.target, [p.introducer])
            if p.requester.is_local:  # shares our instance: tell them as the introducer would
                await _notify(svc, conn, p.requester, "introduction_declined", p.introducer, intro)
            return
        if p.introducer.is_local:
            await _notify(svc, conn, p.introducer, "introduction_declined", p.target, intro)
    if p.requester.is_local:
        await _notify(svc, conn, p.requester, "introduction_declined", p.introducer, intro)
    elif p.introducer.is_local:
        await _answer(svc, conn, intro, "Reject", p.introducer, [p.requester])


# --- the requester withdraws -------------------------------------------------------------


async def withdraw(svc: Services, me: AccountRow, intro_id: int) -> IntroductionRow:
    async with svc.db.transaction() as conn:
        intro = await q.get_introduction(conn, intro_id)
        if intro is None or intro.requester_id != me.id:
            raise NotFound("Introduction not found")
        if not intro.is_open(svc.now()):
            raise Conflict(f"this introduction is {view_state(intro, 'requester', svc.now())}")
        p = await parties(conn, intro)
        await q.update_introduction(conn, intro.id, svc.now(), state=WITHDRAWN)
        intro = await _reload(conn, intro.id)
        await after_withdraw(svc, conn, intro, p)
    svc.wake.deliveries.set()
    return intro


async def after_withdraw(
    svc: Services, conn: AsyncConnection, intro: IntroductionRow, p: Parties
) -> None:
    if p.requester.is_local and not p.introducer.is_local:
        doc = wl.undo_by_id(
            f"{intro.uri}/undo",
            objects.account_uri(svc, p.requester),
            intro.uri,
            to=[objects.account_uri(svc, p.introducer)],
        )
        await send(svc, conn, p.requester, doc, Recipients(accounts=[p.introducer]))
    if p.introducer.is_local:
        await _notify(svc, conn, p.introducer, "introduction_withdrawn", p.requester, intro)
    if intro.forward_uri is None:
        return
    if p.target.is_local:
        await _notify(svc, conn, p.target, "introduction_withdrawn", p.introducer, intro)
    elif p.introducer.is_local:
        doc = wl.undo_by_id(
            f"{intro.forward_uri}/undo",
            objects.account_uri(svc, p.introducer),
            intro.forward_uri,
            to=[objects.account_uri(svc, p.target)],
        )
        await send(svc, conn, p.introducer, doc, Recipients(accounts=[p.target]))


# --- a block between two parties ends it --------------------------------------------------


async def end_between(
    svc: Services, conn: AsyncConnection, blocker: AccountRow, other: AccountRow
) -> None:
    """A block, in its transaction: each open introduction in which both play a
    part ends as the blocker could end it. A requester withdraws; an introducer
    not yet forwarded, or a target forwarded to, declines (the requester hears
    only "not now", as always). When it is not the blocker's turn, it closes
    here as withdrawn, telling nobody: a later step from elsewhere finds it closed.
    What the steps tell goes only to the parties who are not blocked (``notify``)."""
    now = svc.now()
    for intro in await q.open_between(conn, blocker.id, other.id, now):
        p = await parties(conn, intro)
        role = next(r for r in ROLES if getattr(intro, f"{r}_id") == blocker.id)
        turn = {"introducer": REQUESTED, "target": FORWARDED}.get(role)
        if role == "requester":
            await q.update_introduction(conn, intro.id, now, state=WITHDRAWN)
            await after_withdraw(svc, conn, await _reload(conn, intro.id), p)
        elif intro.state == turn:
            await q.update_introduction(conn, intro.id, now, state=DECLINED, declined_by=role)
            await after_decline(svc, conn, await _reload(conn, intro.id), p, by=role)
        else:
            await q.update_introduction(conn, intro.id, now, state=WITHDRAWN)


# --- reading ---------------------------------------------------------------------------


def view_state(intro: IntroductionRow, role: str, now: datetime) -> str:
    """The state as ``role`` may know it: the requester never learns whether it
    was forwarded, nor who declined."""
    state = intro.effective_state(now)
    if role == "requester" and state == FORWARDED:
        return REQUESTED
    return state


def role_of(intro: IntroductionRow, me: AccountRow) -> str | None:
    for role in ROLES:
        if getattr(intro, f"{role}_id") == me.id:
            if role == "target" and intro.forward_uri is None:
                continue
            return role
    return None


async def get_mine(svc: Services, me: AccountRow, intro_id: int) -> tuple[IntroductionRow, str]:
    async with svc.db.read() as conn:
        intro = await q.get_introduction(conn, intro_id)
    role = role_of(intro, me) if intro is not None else None
    if intro is None or role is None:
        raise NotFound("Introduction not found")
    return intro, role


async def list_mine(svc: Services, me: AccountRow, role: str, page: Page) -> list[IntroductionRow]:
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}", field="role")
    async with svc.db.read() as conn:
        return await q.list_for(conn, me.id, role, page)


async def _reload(conn: AsyncConnection, intro_id: int) -> IntroductionRow:
    intro = await q.get_introduction(conn, intro_id)
    assert intro is not None
    return intro


async def _notify(
    svc: Services,
    conn: AsyncConnection,
    who: AccountRow,
    kind: str,
    by: AccountRow,
    intro: IntroductionRow,
) -> None:
    await notify(svc, conn, who.id, f"warmline.{kind}", by.id, subject_id=intro.id)
