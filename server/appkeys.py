"""Typed keys for everything that hangs off the application (no globals)."""

from __future__ import annotations

from aiohttp import ClientSession, web
from jinja2 import Environment

from server.config import Config
from server.services.context import Services
from server.services.keyring import Keyring
from server.services.remote import RemoteActors
from server.store import Database
from server.urls import Urls

CONFIG = web.AppKey("config", Config)
DB = web.AppKey("db", Database)
URLS = web.AppKey("urls", Urls)
HTTP = web.AppKey("http", ClientSession)
TEMPLATES = web.AppKey("templates", Environment)
KEYRING = web.AppKey("keyring", Keyring)
REMOTE = web.AppKey("remote", RemoteActors)
SERVICES = web.AppKey("services", Services)
REQUEST_ID = web.RequestKey("request_id", str)
