"""Running the server process: start-up checks, the demo member, the listener."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from server import __version__
from server.app import create_app
from server.config import Config
from server.services.errors import Conflict
from server.services.members import create_member
from server.store import Database

log = logging.getLogger("warmline")

DEMO_USERNAME = "demo"


async def prepare(config: Config, *, demo: bool) -> None:
    """Migrate the database before listening, so a broken one fails the start."""
    db = Database(config.effective_database_url)
    try:
        await db.migrate()
        if demo:
            try:
                await create_member(db, DEMO_USERNAME, display_name="Demo Member")
                log.info("created the demo member @%s@%s", DEMO_USERNAME, config.domain)
            except Conflict:
                pass
    finally:
        await db.close()


def serve(config: Config, *, demo: bool = False) -> None:
    asyncio.run(prepare(config, demo=demo))
    mode = "development (http ids, private peers allowed)" if config.dev else "production"
    log.info(
        "Warmline %s at %s, listening on %s:%s, %s mode",
        __version__,
        config.base_url,
        config.listen_host,
        config.listen_port,
        mode,
    )
    web.run_app(
        create_app(config),
        host=config.listen_host,
        port=config.listen_port,
        print=None,
        access_log_format='%a "%r" %s %b %Tfs "%{User-Agent}i" %{X-Request-Id}o',
    )
