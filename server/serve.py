"""Running the server process."""

from __future__ import annotations

import logging

from aiohttp import web

from server import __version__
from server.app import create_app
from server.config import Config

log = logging.getLogger("warmline")


def serve(config: Config, *, demo: bool = False) -> None:
    """Listen until stopped (SIGINT/SIGTERM). Start-up migrates the database first;
    a database that cannot be opened stops the start with a DatabaseError."""
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
        create_app(config, demo=demo),
        host=config.listen_host,
        port=config.listen_port,
        print=None,
        access_log_format='%a "%r" %s %b %Tfs "%{User-Agent}i" %{X-Request-Id}o',
    )
