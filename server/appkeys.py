"""Typed keys for everything that hangs off the application (no globals)."""

from __future__ import annotations

from aiohttp import web
from jinja2 import Environment

from server.config import Config
from server.services.context import Services
from server.store import Database

CONFIG = web.AppKey("config", Config)
DB = web.AppKey("db", Database)
TEMPLATES = web.AppKey("templates", Environment)
SERVICES = web.AppKey("services", Services)
REQUEST_ID = web.RequestKey("request_id", str)
# The client's address behind trusted proxies (server/proxies.py), for the access log.
CLIENT_ADDRESS = web.RequestKey("client_address", str)
