"""Skill endorsements: a member vouches for a skill a connection lists on their profile.

Between members of one instance an endorsement is a row and a notification;
towards a remote Warmline member it is also an ``Endorse`` activity (and an
``Undo`` when withdrawn). Plain ActivityPub servers have no such idea, so
endorsing their accounts is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from federation import relations
from server.services import objects
from server.services.context import Services
from server.services.errors import Forbidden, NotFound, ServiceError, ValidationError
from server.services.notify import notify
from server.services.outbox import Recipients, send
from server.store import accounts as accounts_q
from server.store import connections as connections_q
from server.store import endorsements as q
from server.store.accounts import AccountRow
from server.store.endorsements import EndorsementRow

FEW_ENDORSERS = 3


async def check_pair(
    svc: Services, conn: AsyncConnection, me: AccountRow, other: AccountRow, what: str
) -> None:
    """May ``me`` endorse/recommend (``what``) ``other``? Raises when not."""
    if me.id == other.id:
        raise ValidationError(f"you cannot {what} yourself", field="account_id")
    blocked = await connections_q.blocked_either_way(conn, me.id, other.id)
    connected = not blocked and await connections_q.are_connected(conn, me.id, other.id)
    refused = pair_refusal(svc, me, other, what, blocked=blocked, connected=connected)
    if refused is not None:
        raise refused


def pair_refusal(
    svc: Services, me: AccountRow, other: AccountRow, what: str, *, blocked: bool, connected: bool
) -> ServiceError | None:
    """``check_pair``'s rule on what is known of the two already (a block either
    way, a connection): the error it would raise, or None."""
    if me.id == other.id:
        return ValidationError(f"you cannot {what} yourself", field="account_id")
    if blocked:
        return Forbidden(f"you cannot {what} this account: one of you has blocked the other")
    if not other.speaks_warmline:
        return ValidationError(
            f"{objects.acct(svc, other)} is on a server that does not support "
            f"endorsements and recommendations (it is not a Warmline server)",
            field="account_id",
        )
    if not connected:
        return ValidationError(f"you can only {what} your connections", field="account_id")
    return None


async def refusal(svc: Services, me: AccountRow, other: AccountRow, what: str) -> str | None:
    """Why ``me`` may not endorse or recommend (``what``) ``other``, in
    ``check_pair``'s words; None when they may."""
    async with svc.db.read() as conn:
        try:
            await check_pair(svc, conn, me, other, what)
        except ServiceError as exc:
            return exc.message
    return None


def listed_skill(skills: Sequence[str], wanted: str) -> str | None:
    """The profile's spelling of ``wanted`` (compared case-insensitively), if listed."""
    key = wanted.strip().casefold()
    return next((s for s in skills if isinstance(s, str) and s.strip().casefold() == key), None)


async def endorse(
    svc: Services, endorser: AccountRow, target: AccountRow, skill: str
) -> EndorsementRow:
    """Endorse ``target`` for one of their listed skills; a repeat returns the
    existing endorsement."""
    if not skill.strip():
        raise ValidationError("skill is required", field="skill")
    async with svc.db.transaction() as conn:
        await check_pair(svc, conn, endorser, target, "endorse")
        listed = listed_skill(target.skills, skill)
        if listed is None:
            raise ValidationError(
                f"{objects.acct(svc, target)} does not list {skill.strip()!r} among their skills",
                field="skill",
            )
        existing = await q.find_endorsement(conn, endorser.id, target.id, listed)
        if existing is not None:
            return existing
        endorsement_id = svc.db.new_id()
        uri = svc.urls.activity(endorser.username, "endorsements", endorsement_id)
        values = {
            "id": endorsement_id,
            "uri": uri,
            "account_id": endorser.id,
            "target_account_id": target.id,
            "skill": listed,
            "created_at": svc.now(),
        }
        inserted = await q.insert_endorsement(conn, values)
        row = await q.find_endorsement(conn, endorser.id, target.id, listed)
        assert row is not None
        if not inserted:
            return row  # a concurrent request made it first
        if target.is_local:
            await notify(
                svc, conn, target.id, "warmline.endorsement", endorser.id, subject_id=row.id
            )
        else:
            doc = relations.endorse(
                uri, svc.urls.actor(endorser.username), target.uri or "", listed
            )
            await send(svc, conn, endorser, doc, Recipients(accounts=[target]))
    svc.wake.deliveries.set()
    return row


async def withdraw(svc: Services, endorser: AccountRow, endorsement_id: int) -> EndorsementRow:
    """Take back one's own endorsement (a remote target receives ``Undo``)."""
    async with svc.db.transaction() as conn:
        row = await q.get_endorsement(conn, endorsement_id)
        if row is None or row.account_id != endorser.id:
            raise NotFound("Endorsement not found")
        await q.delete_endorsement(conn, row.id)
        target = await accounts_q.get_account(conn, row.target_account_id)
        if target is not None and not target.is_local and target.uri:
            actor = svc.urls.actor(endorser.username)
            undo_id = svc.urls.activity(endorser.username, "undos", row.id)
            doc = relations.undo_by_id(undo_id, actor, row.uri, to=[target.uri])
            await send(svc, conn, endorser, doc, Recipients(accounts=[target]))
    svc.wake.deliveries.set()
    return row


@dataclass(frozen=True, slots=True)
class SkillEndorsements:
    skill: str
    count: int
    endorsers: list[AccountRow]  # a few, most recent first


async def summary(
    svc: Services, target: AccountRow, *, few: int = FEW_ENDORSERS
) -> list[SkillEndorsements]:
    """Per skill the account lists (in its order): how many endorsed it, and a few who did."""
    async with svc.db.read() as conn:
        found = await q.endorsements_of(conn, target.id)
        people = await accounts_q.get_accounts(conn, endorsers_shown(found, few=few))
    return summarise(target, found, people, few=few)


async def of(svc: Services, target: AccountRow) -> list[EndorsementRow]:
    """Every endorsement of ``target``, newest first (``summarise`` shapes them): a
    page that loads the endorsers with other people reads them itself."""
    async with svc.db.read() as conn:
        return await q.endorsements_of(conn, target.id)


def endorsers_shown(found: Iterable[EndorsementRow], *, few: int = FEW_ENDORSERS) -> set[int]:
    """The accounts ``summarise`` shows: the ``few`` latest endorsers of each skill."""
    counted: dict[str, int] = {}
    wanted = set()
    for row in found:
        skill = row.skill.casefold()
        if counted.get(skill, 0) < few:
            counted[skill] = counted.get(skill, 0) + 1
            wanted.add(row.account_id)
    return wanted


def summarise(
    target: AccountRow,
    found: Iterable[EndorsementRow],
    people: Mapping[int, AccountRow],
    *,
    few: int = FEW_ENDORSERS,
) -> list[SkillEndorsements]:
    """``found`` (``of``) per skill ``target`` lists, with the ``people`` among the
    few latest endorsers of each."""
    by_skill: dict[str, list[EndorsementRow]] = {}
    for row in found:
        by_skill.setdefault(row.skill.casefold(), []).append(row)
    result = []
    for skill in target.skills:
        rows = by_skill.get(skill.casefold(), [])
        endorsers = [people[r.account_id] for r in rows[:few] if r.account_id in people]
        result.append(SkillEndorsements(skill, len(rows), endorsers))
    return result


async def given(
    svc: Services, endorser: AccountRow, target: AccountRow
) -> dict[str, EndorsementRow]:
    """What ``endorser`` endorsed ``target`` for, by skill (casefolded)."""
    async with svc.db.read() as conn:
        found = await q.endorsements_between(conn, endorser.id, target.id)
    return {row.skill.casefold(): row for row in found}


async def counts(svc: Services, target: AccountRow) -> dict[str, int]:
    """{skill: count} for the skills the account lists (for the account entity)."""
    async with svc.db.read() as conn:
        found = await q.endorsement_counts(conn, target.id)
    folded: dict[str, int] = {}
    for skill, n in found.items():
        folded[skill.casefold()] = folded.get(skill.casefold(), 0) + n
    return {s: folded.get(s.casefold(), 0) for s in target.skills}
