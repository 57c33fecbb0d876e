"""Finding accounts and posts: by handle, by URL, by name; optionally fetching
from other servers (``resolve``)."""

from __future__ import annotations

import logging
import re

from federation.client import same_origin
from federation.errors import FederationError
from federation.jsonld import compact_inbound
from federation.validate import validate
from federation.vocab import get_id
from server.services.context import Services
from server.services.inbound.notes import NOTE_TYPES, store_note
from server.store import accounts as accounts_q
from server.store import feeds as feeds_q
from server.store import people as people_q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.statuses import StatusRow

log = logging.getLogger(__name__)

MAX_TERMS = 6
MAX_TERM = 100
MAX_PEOPLE = 80
HANDLE = re.compile(r"^@?([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+(?::\d+)?)$")


def _is_local_host(svc: Services, host: str) -> bool:
    return host.lower() in (svc.config.domain, svc.config.host)


async def lookup(svc: Services, acct: str) -> AccountRow | None:
    """An account we know by ``user`` or ``user@host`` (no fetching)."""
    user, _, host = acct.partition("@")
    async with svc.db.read() as conn:
        if not host or _is_local_host(svc, host):
            account = await accounts_q.get_local_account(conn, user)
        else:
            account = await accounts_q.get_account_by_acct(conn, user, host)
    if account is None or account.actor_type == "Application" or account.suspended_at:
        return None
    return account


async def accounts(
    svc: Services,
    query: str,
    *,
    resolve: bool,
    limit: int = 40,
    viewer: AccountRow | None = None,
) -> list[AccountRow]:
    """Accounts by handle or profile URL (exactly that one, so a blocked account's
    profile can still be opened, to unblock it), else by the start of their
    username, without those ``viewer`` blocks or is blocked by."""
    query = query.strip()
    match = HANDLE.match(query)
    if match:
        known = await lookup(svc, f"{match.group(1)}@{match.group(2)}")
        if known is None and resolve and not _is_local_host(svc, match.group(2)):
            known = await _resolve(svc, f"{match.group(1)}@{match.group(2)}")
        return [known] if known else []
    if query.startswith(("https://", "http://")):
        found = await _account_by_url(svc, query, resolve=resolve)
        return [found] if found else []
    prefix = query.lstrip("@")
    if not prefix:
        return []
    async with svc.db.read() as conn:
        return await accounts_q.search_accounts(conn, prefix, limit, viewer_id=_id(viewer))


def _id(viewer: AccountRow | None) -> int | None:
    return viewer.id if viewer is not None else None


async def _resolve(svc: Services, handle: str) -> AccountRow | None:
    try:
        return await svc.remote.resolve_handle(handle)
    except FederationError as exc:
        log.info("could not resolve %s: %s", handle, exc)
        return None


def _local_profile(svc: Services, url: str) -> str | None:
    """The member a profile page URL of ours (``https://ours/@ann``) names, if it is one."""
    prefix = f"{svc.urls.base}/@"
    rest = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0] if url.startswith(prefix) else ""
    return rest if rest and "/" not in rest and "@" not in rest else None


async def _account_by_url(svc: Services, url: str, *, resolve: bool) -> AccountRow | None:
    username = svc.urls.local_username(url) or _local_profile(svc, url)
    async with svc.db.read() as conn:
        if username:
            return await accounts_q.get_local_account(conn, username)
        known = await accounts_q.get_account_by_uri(conn, url)
    if known is not None or not resolve:
        return known
    try:
        return await svc.remote.fetch_actor(url)
    except FederationError as exc:
        log.info("could not fetch %s: %s", url, exc)
        return None


async def status_by_url(svc: Services, url: str, *, resolve: bool) -> StatusRow | None:
    """A post by its id or URL; with ``resolve``, fetched from its origin."""
    local_id = svc.urls.local_status_id(url)
    async with svc.db.read() as conn:
        found = (
            await statuses_q.get_status(conn, local_id)
            if local_id
            else await statuses_q.get_status_by_uri(conn, url)
        )
    if found is not None or not resolve or local_id:
        return found
    try:
        final_url, raw = await svc.remote.fetch_document(url)
        validate("object", raw)
        obj = compact_inbound(raw)
        object_id = get_id(obj.get("id"))
        author_uri = get_id(obj.get("attributedTo"))
        if obj.get("type") not in NOTE_TYPES or not object_id or not author_uri:
            return None
        if not same_origin(object_id, final_url) or not same_origin(author_uri, object_id):
            return None
        author = await svc.remote.fetch_actor(author_uri)
        return await store_note(svc, obj, author, force=True)
    except FederationError as exc:
        log.info("could not fetch %s: %s", url, exc)
        return None


async def hashtags(svc: Services, q: str, *, limit: int) -> list[str]:
    """Known hashtags starting with ``q`` (a leading ``#`` is ignored)."""
    name = q.strip().lstrip("#")
    if not name or not all(c.isalnum() or c == "_" for c in name):
        return []
    async with svc.db.read() as conn:
        return await feeds_q.search_tags(conn, name, limit)


def terms(query: str) -> list[str]:
    """The words of a people search (at most ``MAX_TERMS``, each cut to ``MAX_TERM``)."""
    return [word[:MAX_TERM] for word in query.split()[:MAX_TERMS]]


async def people(
    svc: Services,
    query: str,
    *,
    limit: int = 20,
    offset: int = 0,
    viewer: AccountRow | None = None,
) -> list[AccountRow]:
    """Local members by name, skill, headline or location, best match first
    (``store/people``); every word of ``query`` must match. Those ``viewer``
    blocks or is blocked by are left out."""
    words = terms(query.strip().lstrip("@"))
    if not words:
        return []
    limit, offset = min(max(limit, 1), MAX_PEOPLE), max(offset, 0)
    async with svc.db.read() as conn:
        return await people_q.search_local_members(
            conn, words, limit=limit, offset=offset, viewer_id=_id(viewer)
        )


async def remote_people(
    svc: Services, query: str, *, limit: int = 10, viewer: AccountRow | None = None
) -> list[AccountRow]:
    """Accounts on other instances already known here whose username starts with
    ``query``, without those ``viewer`` blocks or is blocked by."""
    prefix = query.strip().lstrip("@")
    if not prefix or " " in prefix:
        return []
    async with svc.db.read() as conn:
        return await accounts_q.search_accounts(
            conn, prefix, limit, remote_only=True, viewer_id=_id(viewer)
        )
