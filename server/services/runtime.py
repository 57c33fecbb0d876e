"""Opening the services for a process: the web server and the CLI alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from federation.netguard import AddressPolicy, make_session
from server import __version__
from server.config import Config
from server.services.broadcast import open_broadcast
from server.services.context import Services
from server.services.domain_policy import DomainPolicy
from server.services.inbox_limits import InboxLimits
from server.services.inbox_owners import InboxOwners
from server.services.keyring import Keyring, signer_for
from server.services.members import ensure_instance_actor
from server.services.rate_limits import ApiLimits
from server.services.remote import RemoteActors
from server.services.site import SiteCache
from server.services.throttle import SignInThrottle
from server.store import Database
from server.store.inbox_writer import InboxWriter
from server.urls import Urls


@asynccontextmanager
async def open_services(config: Config, db: Database) -> AsyncIterator[Services]:
    """Services over a migrated ``db``: the instance actor's keys sign outgoing
    fetches; the HTTP session enforces the address policy (private peers only
    in development); on PostgreSQL the process hears the others of the
    database (``services/broadcast``)."""
    urls = Urls(config.base_url)
    instance = await ensure_instance_actor(db)
    keyring = Keyring(db, urls)
    instance_keys = await keyring.for_account(instance.id, instance.username)
    domains = DomainPolicy(db, allowlist_mode=config.federation.allowlist_mode)
    session = make_session(
        AddressPolicy(allow_private=config.dev, allowed=config.federation.private_networks()),
        user_agent=f"Warmline/{__version__} (+{config.base_url}/)",
        total_timeout=config.federation.fetch_timeout,
        refuse_host=domains.refusal,
    )
    remote = RemoteActors(db, session, config, signer_for(instance_keys.rsa))
    try:
        svc = Services(
            db,
            config,
            urls,
            remote,
            keyring,
            session,
            domains,
            InboxWriter(db),
            SignInThrottle(db, config.api),
            SiteCache(db, config.instance),
            InboxLimits(config.federation),
            ApiLimits(db, config.api),
            InboxOwners(db),
        )
        svc.broadcast = await open_broadcast(svc)
        try:
            yield svc
        finally:
            if svc.broadcast is not None:
                await svc.broadcast.close()
    finally:
        await session.close()
