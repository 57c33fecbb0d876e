"""Noticing that someone changed jobs, when their profile changes.

A change of job is a current position (an experience entry without an end)
that was not among the current positions before: a new organisation, or a new
title at the same one. It is noticed when a member here saves their profile
(``members.apply_profile``) and when a remote actor's document is stored again
(``remote.RemoteActors.store``, after an ``Update`` of the actor or a refresh),
and recorded as the account's latest change (``job_changes``). Nothing else
happens: nobody is told and nothing is posted; ``services/warmth.py`` suggests
it to the account's connections for a while.

Not every new entry is news. A profile filled in for the first time lists jobs
held for years, and people add an old position they forgot: an entry whose
start is known and more than about six months ago is not a change of job, nor
one without a start on a profile that listed no experience at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from server.store import warmth as q
from server.store.accounts import AccountRow

RECENT_START = timedelta(days=183)


def _key(entry: Mapping[str, Any]) -> tuple[str, str]:
    def norm(value: Any) -> str:
        return " ".join(str(value or "").split()).casefold()

    return norm(entry.get("title")), norm(entry.get("organization"))


def current_positions(experience: Sequence[Any] | None) -> list[Mapping[str, Any]]:
    """The entries without an end date (and with a title), in the profile's order."""
    return [
        entry
        for entry in experience or ()
        if isinstance(entry, Mapping) and not entry.get("end") and str(entry.get("title") or "")
    ]


def _recent(start: str, today: date) -> bool:
    """Whether a ``YYYY-MM[-DD]`` start is within the last six months (or to come)."""
    return start[:7] >= (today - RECENT_START).isoformat()[:7]


def new_position(
    before: Sequence[Any] | None, after: Sequence[Any] | None, today: date
) -> tuple[str, str] | None:
    """``(title, organization)`` of the first current position of ``after`` that
    was not one of ``before``'s and looks new, or None."""
    known = {_key(entry) for entry in current_positions(before)}
    for entry in current_positions(after):
        if _key(entry) in known:
            continue
        start = str(entry.get("start") or "")
        if (start and not _recent(start, today)) or (not start and not before):
            continue
        return str(entry["title"]).strip(), str(entry.get("organization") or "").strip()
    return None


def still_holds(account: AccountRow, title: str, organization: str) -> bool:
    """Whether the position is still among the account's current ones (a change
    taken back, or a typo put right, is no longer suggested)."""
    wanted = _key({"title": title, "organization": organization})
    return any(_key(entry) == wanted for entry in current_positions(account.experience))


async def notice(
    conn: AsyncConnection, before: AccountRow | None, after: AccountRow, now: datetime
) -> bool:
    """Record a change of job between two versions of a profile, inside the
    caller's transaction; whether there was one. A first sight of an account
    (``before`` None) is not a change."""
    if before is None or after.actor_type != "Person":
        return False
    found = new_position(before.experience, after.experience, now.date())
    if found is None:
        return False
    await q.record_job_change(conn, after.id, *found, now)
    return True
