"""Remote actors: fetched safely, checked, stored, and used as our KeyLookup.

Authority over an actor and its keys comes only from the origin the document
was fetched from: the document's ``id`` must be on the origin that served it,
and only keys on that origin whose owner is that actor are kept.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urldefrag, urlsplit

import aiohttp
from sqlalchemy.ext.asyncio import AsyncConnection

from federation import keys as fkeys
from federation.client import Signer, fetch_document, same_origin
from federation.errors import FetchError, SignatureError
from federation.jsonld import compact_inbound
from federation.ports import PublicKeyInfo
from federation.validate import validate
from federation.vocab import as_list, get_id, get_str
from federation.webfinger import resolve_actor
from server.config import Config
from server.services import job_changes
from server.services.domains import covering, host_of
from server.services.html import sanitize_html, strip_html
from server.services.inbox_limits import KeyFetchBudget
from server.services.remote_profile import parse_profile, take_extras, without_copies
from server.store import Database
from server.store import accounts as q
from server.store import domains as domains_q
from server.store import linkedin as extras_q
from server.store.accounts import AccountRow

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
MAX_FIELDS = 16
REFRESH_AT_MOST_EVERY = timedelta(minutes=1)
KEY_CACHE_SIZE = 10_000
ACTOR_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class ParsedActor:
    """What we keep of a remote actor document."""

    values: dict[str, Any]
    keys: list[tuple[str, str, str]]  # (kind, key id, public PEM)
    # Languages and certifications, stored apart from the account (profile_extras).
    extras: dict[str, list[Any]] | None = None


def _first_url(value: Any) -> str | None:
    for item in as_list(value):
        url = get_id(item)
        if url and url.startswith(("http://", "https://")):
            return url
    return None


def _image_url(value: Any) -> str | None:
    for item in as_list(value):
        url = _first_url(item.get("url") if isinstance(item, dict) else item)
        if url:
            return url
    return None


def _fields(attachments: Any) -> list[dict[str, str]]:
    out = []
    for item in as_list(attachments):
        if isinstance(item, dict) and item.get("type") == "PropertyValue":
            name, value = get_str(item.get("name")), get_str(item.get("value"))
            if name and value is not None:
                out.append({"name": strip_html(name)[:255], "value": sanitize_html(value)[:2048]})
    return out[:MAX_FIELDS]


def _keys(doc: dict[str, Any], actor_id: str) -> list[tuple[str, str, str]]:
    """Keys the actor lists for itself on its own origin (others are ignored)."""
    found: list[tuple[str, str, str]] = []
    for key in as_list(doc.get("publicKey")):
        if not isinstance(key, dict):
            continue
        key_id, pem = get_str(key.get("id")), get_str(key.get("publicKeyPem"))
        owner = get_id(key.get("owner")) or actor_id
        if key_id and pem and owner == actor_id and same_origin(key_id, actor_id):
            try:
                public = fkeys.load_public_pem(pem)
            except SignatureError:
                continue
            found.append((_kind(public), key_id, fkeys.public_key_to_pem(public)))
    for method in as_list(doc.get("assertionMethod")):
        if not isinstance(method, dict) or method.get("type") != "Multikey":
            continue
        key_id, multibase = get_str(method.get("id")), get_str(method.get("publicKeyMultibase"))
        controller = get_id(method.get("controller"))
        if key_id and multibase and controller == actor_id and same_origin(key_id, actor_id):
            try:
                public = fkeys.multibase_to_public_key(multibase)
            except SignatureError:
                continue
            found.append((_kind(public), key_id, fkeys.public_key_to_pem(public)))
    return list({key_id: (k, key_id, p) for k, key_id, p in found}.values())


def _kind(public: object) -> str:
    return "ed25519" if type(public).__name__.startswith("Ed25519") else "rsa"


def parse_actor(doc: dict[str, Any], now: datetime) -> ParsedActor:
    """Turn a compacted, validated actor document into account values and keys."""
    actor_id = doc["id"]
    authority = urlsplit(actor_id).netloc.lower()
    username = (
        get_str(doc.get("preferredUsername"))
        or urlsplit(actor_id).path.rstrip("/").rsplit("/", 1)[-1]
    )
    endpoints = doc.get("endpoints") if isinstance(doc.get("endpoints"), dict) else {}
    values = {
        "username": strip_html(username)[:64] or "unknown",
        "domain": authority,
        "uri": actor_id,
        "url": _first_url(doc.get("url")) or actor_id,
        "actor_type": doc.get("type") if doc.get("type") in ACTOR_TYPES else "Person",
        "inbox_url": get_id(doc.get("inbox")),
        "shared_inbox_url": get_id(endpoints.get("sharedInbox")),
        "outbox_url": get_id(doc.get("outbox")),
        "followers_url": get_id(doc.get("followers")),
        "following_url": get_id(doc.get("following")),
        "display_name": strip_html(get_str(doc.get("name")) or "")[:200],
        "summary": sanitize_html(get_str(doc.get("summary")) or "")[:20_000],
        "fields": _fields(doc.get("attachment")),
        "avatar_url": _image_url(doc.get("icon")),
        "header_url": _image_url(doc.get("image")),
        "locked": doc.get("manuallyApprovesFollowers") is True,
        "discoverable": doc.get("discoverable") is True,
        "updated_at": now,
        "fetched_at": now,
        **parse_profile(doc, actor_id),
    }
    without_copies(values)
    extras = take_extras(values)
    return ParsedActor(values, _keys(doc, actor_id), extras)


async def _store_extras(
    conn: AsyncConnection, account_id: int, extras: dict[str, list[Any]] | None, now: datetime
) -> None:
    """A remote profile's languages and certifications, as a member's are kept."""
    if extras and (extras["languages"] or extras["certifications"]):
        await extras_q.set_extras(
            conn, account_id, extras["languages"], extras["certifications"], now
        )
    else:
        await extras_q.delete_extras(conn, account_id)


class RemoteActors:
    """Fetches and caches remote actors; implements ``federation.ports.KeyLookup``."""

    def __init__(
        self,
        db: Database,
        session: aiohttp.ClientSession,
        config: Config,
        signer: Signer,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._db = db
        self._now = clock
        self._session = session
        self._config = config
        self._signer = signer
        self._inflight: dict[str, asyncio.Future[AccountRow]] = {}
        # Fetches of unknown keys, by key document: concurrent deliveries signed
        # with the same new key share one fetch, and each host gets a budget of
        # them (a flood of made-up key ids must not make us flood its server).
        self._key_fetches: dict[str, asyncio.Future[AccountRow]] = {}
        self.key_fetch_budget = KeyFetchBudget(config.federation)
        # Parsed public keys by key id, with when their actor was fetched: the
        # inbox checks thousands of signatures a second and must not hit the
        # database (or parse a PEM) for each.
        self._keys: OrderedDict[str, tuple[PublicKeyInfo, datetime | None]] = OrderedDict()
        # Remote actors by id, so processing an activity does not read the
        # actor from the database every time.
        self._actors: OrderedDict[str, AccountRow] = OrderedDict()
        # Tells the other processes of the database that an actor's row changed.
        self.announce: Callable[[str], None] = lambda _uri: None

    async def fetch_document(self, url: str) -> tuple[str, dict[str, Any]]:
        """A signed GET as the instance actor; returns (final URL, document)."""
        fed = self._config.federation
        fetched = await fetch_document(
            self._session,
            url,
            signer=self._signer,
            max_bytes=fed.max_document_bytes,
            allow_http=self._config.dev,
        )
        return fetched.final_url, fetched.document

    async def fetch_actor(self, url: str, *, refresh: bool = False) -> AccountRow:
        """The actor at ``url``, from the cache when fresh, else fetched and stored."""
        url = urldefrag(url).url
        if not refresh:
            cached = self._actors.get(url)
            if cached is None:
                async with self._db.read() as conn:
                    cached = await q.get_account_by_uri(conn, url)
                if cached is not None:
                    self._remember(cached)
            max_age = timedelta(seconds=self._config.federation.actor_refresh_seconds)
            if cached and cached.fetched_at and self._now() - cached.fetched_at < max_age:
                return cached
        # Concurrent lookups of the same actor share one fetch.
        if url in self._inflight:
            return await asyncio.shield(self._inflight[url])
        task = asyncio.ensure_future(self._fetch_and_store(url))
        self._inflight[url] = task
        try:
            return await asyncio.shield(task)
        finally:
            if task.done():
                self._inflight.pop(url, None)
            else:
                task.add_done_callback(lambda _t: self._inflight.pop(url, None))

    async def _fetch_and_store(self, url: str) -> AccountRow:
        final_url, raw = await self.fetch_document(url)
        return await self._accept_actor(url, final_url, raw)

    async def _accept_actor(self, url: str, final_url: str, raw: dict[str, Any]) -> AccountRow:
        validate("actor", raw)
        doc = compact_inbound(raw)
        actor_id = get_id(doc.get("id"))
        if not actor_id or not same_origin(actor_id, final_url):
            raise FetchError(
                f"{url}: the document's id {actor_id!r} is not on the origin that served it"
            )
        return await self.store(parse_actor(doc, self._now()))

    async def store(self, parsed: ParsedActor) -> AccountRow:
        now = parsed.values["updated_at"]
        async with self._db.transaction() as conn:
            before = await q.get_account_by_uri(conn, parsed.values["uri"])
            account = await q.upsert_remote_account(conn, parsed.values, new_id=self._db.new_id())
            await job_changes.notice(conn, before, account, now)
            if account.domain and await domains_q.mark_account(
                conn, account.id, covering(host_of(account.domain))
            ):
                account = await q.get_account(conn, account.id) or account
            ids = [self._db.new_id() for _ in parsed.keys]
            await q.replace_remote_keys(conn, account.id, parsed.keys, ids=ids, now=now)
            await _store_extras(conn, account.id, parsed.extras, now)
        self._drop_keys(account.uri)
        self._remember(account)
        if account.uri:
            self.announce(account.uri)
        return account

    def _drop_keys(self, owner: str | None) -> None:
        for key_id in [k for k, (info, _) in self._keys.items() if info.owner == owner]:
            del self._keys[key_id]

    def _remember(self, account: AccountRow) -> None:
        if account.uri:
            self._actors[account.uri] = account
            self._actors.move_to_end(account.uri)
            if len(self._actors) > ACTOR_CACHE_SIZE:
                self._actors.popitem(last=False)

    def forget(self, uri: str) -> None:
        """Drop a cached actor whose row was changed elsewhere (e.g. it was
        deleted), here and in the other processes."""
        self.drop(uri)
        self.announce(uri)

    def drop(self, uri: str) -> None:
        """Drop the actor ``uri`` and its keys from this process's memory."""
        self._actors.pop(uri, None)
        self._drop_keys(uri)

    def drop_all(self) -> None:
        self._actors.clear()
        self._keys.clear()

    async def resolve_handle(self, handle: str) -> AccountRow:
        """``@user@host`` to a stored actor, through WebFinger."""
        actor_url = await resolve_actor(self._session, handle, allow_http=self._config.dev)
        return await self.fetch_actor(actor_url)

    async def get_key(self, key_id: str, *, refresh: bool = False) -> PublicKeyInfo:
        """The key behind ``key_id``: from memory or the database, else fetched from its actor.

        ``refresh`` (a signature failed: the key may have rotated) refetches at
        most once a minute per actor, so forged deliveries naming someone's key
        cannot make us hammer their server."""
        cached = self._keys.get(key_id) or await self._stored_key(key_id)
        if cached is not None:
            info, fetched = cached
            recent = fetched is not None and self._now() - fetched < REFRESH_AT_MOST_EVERY
            if not refresh or recent:
                self._keys.move_to_end(key_id)
                return info
        account = await self._fetch_key_owner(key_id)
        found = await self._stored_key(key_id)
        if found is None or found[0].owner != account.uri:
            raise SignatureError(f"the actor {account.uri} does not list the key {key_id}")
        return found[0]

    async def _stored_key(self, key_id: str) -> tuple[PublicKeyInfo, datetime | None] | None:
        async with self._db.read() as conn:
            found = await q.get_remote_key(conn, key_id)
        if found is None:
            return None
        key, account = found
        entry = (
            PublicKeyInfo(key_id, account.uri or "", fkeys.load_public_pem(key.public_pem)),
            account.fetched_at,
        )
        self._keys[key_id] = entry
        if len(self._keys) > KEY_CACHE_SIZE:
            self._keys.popitem(last=False)
        return entry

    async def _fetch_key_owner(self, key_id: str) -> AccountRow:
        """The owner of ``key_id``, fetched once for all concurrent lookups of its
        document, within its host's key-fetch budget (``Throttled`` past it:
        nothing is fetched). A key we hold comes here only to be refreshed, when a
        signature failed with it (at most once a minute per actor)."""
        document_url = urldefrag(key_id).url
        pending = self._key_fetches.get(document_url)
        if pending is None:
            self.key_fetch_budget.spend(key_id)
            pending = asyncio.ensure_future(self._actor_for_key(key_id))
            self._key_fetches[document_url] = pending
            pending.add_done_callback(lambda done: self._key_fetch_done(document_url, done))
        return await asyncio.shield(pending)

    def _key_fetch_done(self, document_url: str, done: asyncio.Future[AccountRow]) -> None:
        if self._key_fetches.get(document_url) is done:
            del self._key_fetches[document_url]
        if not done.cancelled():
            done.exception()  # retrieved: every waiter may have gone (no warning then)

    async def _actor_for_key(self, key_id: str) -> AccountRow:
        """Fetch the actor that owns ``key_id``: the key's document, or its owner."""
        document_url = urldefrag(key_id).url
        final_url, raw = await self.fetch_document(document_url)
        if "inbox" in raw:  # the key id names (a fragment of) the actor itself
            return await self._accept_actor(document_url, final_url, raw)
        owner = get_id(raw.get("owner")) or get_id(raw.get("controller"))
        if not owner:
            key = raw.get("publicKey")
            owner = get_id(key.get("owner")) if isinstance(key, dict) else None
        if not owner or not same_origin(owner, final_url):
            raise SignatureError(f"the key {key_id} names no owner on its own origin")
        return await self.fetch_actor(owner, refresh=True)
