"""Reports to the moderators (Mastodon's reports): a member reports an account
and some of its posts, optionally forwarded to the account's own server as a
``Flag``; another server's ``Flag`` about one of ours arrives in the same
queue; moderators read and resolve them.

A forwarded report is sent by the instance actor, not by the member, as
Mastodon does, so the other server does not learn who reported. A domain
block with ``reject_reports`` drops the Flags of that server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.vocab import as_list, get_id, get_str
from server.services import account_moderation, audit
from server.services.context import Services
from server.services.domains import covering, host_of
from server.services.errors import Conflict, NotFound, ValidationError
from server.services.html import strip_html
from server.services.members import ensure_instance_actor
from server.services.outbox import Recipients, send
from server.store import accounts as accounts_q
from server.store import domains as domains_q
from server.store import reports as q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow, DuplicateError
from server.store.reports import ReportRow

CATEGORIES = ("spam", "legal", "violation", "other")
MAX_COMMENT = 1000
MAX_STATUSES = 20  # posts named in one report


@dataclass(frozen=True, slots=True)
class Draft:
    """What a member reports."""

    target_id: int
    status_ids: tuple[int, ...] = ()
    comment: str = ""
    category: str = "other"
    forward: bool = False


def _checked(draft: Draft) -> Draft:
    if draft.category not in CATEGORIES:
        raise ValidationError(
            f"category must be one of {', '.join(CATEGORIES)}, not {draft.category!r}",
            field="category",
        )
    if len(draft.comment) > MAX_COMMENT:
        raise ValidationError(f"at most {MAX_COMMENT} characters", field="comment")
    if len(set(draft.status_ids)) > MAX_STATUSES:
        raise ValidationError(f"at most {MAX_STATUSES} posts in one report", field="status_ids")
    return draft


async def report(svc: Services, reporter: AccountRow, draft: Draft) -> ReportRow:
    """File a member's report; forward it as a Flag when asked and the account is remote."""
    draft = _checked(draft)
    target = await account_moderation.target(svc, draft.target_id)
    if target.id == reporter.id:
        raise ValidationError("you cannot report yourself", field="account_id")
    status_ids = list(dict.fromkeys(draft.status_ids))
    forward = draft.forward and not target.is_local
    instance = await ensure_instance_actor(svc.db) if forward else None
    now = svc.now()
    report_id = svc.db.new_id()
    async with svc.db.transaction() as conn:
        found = await statuses_q.get_statuses(conn, status_ids)
        theirs = [i for i in status_ids if i in found and found[i].account_id == target.id]
        if len(theirs) != len(status_ids):
            raise ValidationError("a reported post is not one of the account's", field="status_ids")
        await q.insert_report(
            conn,
            {
                "id": report_id, "uri": None, "account_id": reporter.id,
                "target_account_id": target.id, "status_ids": theirs,
                "comment": draft.comment.strip(), "category": draft.category,
                "forwarded": forward, "created_at": now, "updated_at": now,
            },
        )  # fmt: skip
        if instance is not None:
            flag = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{svc.urls.instance_actor}#flag/{report_id}",
                "type": "Flag",
                "actor": svc.urls.instance_actor,
                "content": draft.comment.strip(),
                "object": [target.uri, *(found[i].uri for i in theirs if found[i].uri)],
                "to": [target.uri],
            }
            await send(svc, conn, instance, flag, Recipients(accounts=[target]))
        made = await q.get_report(conn, report_id)
    if instance is not None:
        svc.wake.deliveries.set()
    assert made is not None
    return made


async def on_flag(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """Another server's report about accounts or posts of ours (inbox handler)."""
    async with svc.db.read() as conn:
        if await domains_q.rejects_reports(conn, covering(host_of(actor))):
            return
        named = [get_id(o) for o in as_list(doc.get("object"))]
        target, status_ids = await _flagged(svc, conn, named)
    if target is None:
        return  # about nothing of ours
    reporter = await svc.remote.fetch_actor(actor)
    text = get_str(doc.get("content")) or get_str(doc.get("summary")) or ""
    now = svc.now()
    values = {
        "id": svc.db.new_id(), "uri": get_id(doc.get("id")), "account_id": reporter.id,
        "target_account_id": target.id, "status_ids": status_ids,
        "comment": strip_html(text)[:MAX_COMMENT], "category": "other", "forwarded": True,
        "created_at": now, "updated_at": now,
    }  # fmt: skip
    async with svc.db.transaction() as conn:
        try:
            await q.insert_report(conn, values)
        except DuplicateError:
            return  # the same Flag again


async def _flagged(
    svc: Services, conn: Any, uris: list[str | None]
) -> tuple[AccountRow | None, list[int]]:
    """The local account a Flag is about (the first named, else the author of the
    first local post named) and the named posts of that account."""
    accounts: list[AccountRow] = []
    posts = []
    for uri in uris[: MAX_STATUSES + 1]:
        username = svc.urls.local_username(uri) if uri else None
        status_id = svc.urls.local_status_id(uri) if uri else None
        if username is not None:
            account = await accounts_q.get_local_account(conn, username)
            if account is not None:
                accounts.append(account)
        elif status_id is not None:
            status = await statuses_q.get_status(conn, status_id)
            if status is not None and status.local:
                posts.append(status)
    target = accounts[0] if accounts else None
    if target is None and posts:
        target = await accounts_q.get_account(conn, posts[0].account_id)
    if target is None:
        return None, []
    return target, [s.id for s in posts if s.account_id == target.id]


async def reports_for(
    svc: Services, by: AccountRow, *, resolved: bool = False, limit: int = 40,
    max_id: int | None = None, target_account_id: int | None = None,
) -> list[ReportRow]:  # fmt: skip
    """The moderators' queue, newest first."""
    await account_moderation.moderator_role(svc, by)
    async with svc.db.read() as conn:
        return await q.list_reports(
            conn, resolved=resolved, limit=limit, max_id=max_id,
            target_account_id=target_account_id,
        )  # fmt: skip


async def get_report(svc: Services, by: AccountRow, report_id: int) -> ReportRow:
    await account_moderation.moderator_role(svc, by)
    async with svc.db.read() as conn:
        found = await q.get_report(conn, report_id)
    if found is None:
        raise NotFound("Record not found")
    return found


async def resolve(
    svc: Services, by: AccountRow, report_id: int, *, reopen: bool = False
) -> ReportRow:
    """Mark a report resolved (or open again), in the moderation log."""
    found = await get_report(svc, by, report_id)
    if (found.resolved_at is None) == reopen:
        raise Conflict("the report is open already" if reopen else "the report is resolved already")
    now = svc.now()
    async with svc.db.transaction() as conn:
        await q.set_resolved(
            conn, report_id, at=None if reopen else now, by=None if reopen else by.id, now=now
        )
        target = await accounts_q.get_account(conn, found.target_account_id)
        name = account_moderation.handle(target, svc.config.domain) if target else "?"
        action = "report_reopen" if reopen else "report_resolve"
        await audit.record(svc, conn, by, action, f"report {report_id} about {name}")
        changed = await q.get_report(conn, report_id)
    assert changed is not None
    return changed
