"""What admins set for the whole instance: the registration mode, description, rules.

Each setting starts as the configuration file says (``[instance]``); a change
made on the admin page is stored in the database and wins from then on. The
values are read on every page and API answer, so ``SiteCache`` keeps them in
memory: a change made in this process is seen at once, in the other processes
of a PostgreSQL database as soon as they hear of it (``services/broadcast``),
and one made by the CLI within ``TTL_SECONDS``.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from server.config import REGISTRATION_MODES, InstanceSettings
from server.services.errors import ValidationError
from server.store import Database
from server.store import site as q

TTL_SECONDS = 5.0
DESCRIPTION_MAX = 2_000
RULES_MAX = 20
RULE_MAX = 500


@dataclass(frozen=True, slots=True)
class Site:
    registrations: str
    description: str
    rules: tuple[str, ...]

    @property
    def invite_only(self) -> bool:
        return self.registrations == "invite"


def from_config(settings: InstanceSettings) -> Site:
    return Site(settings.registrations, settings.description, settings.rules)


def _merged(base: Site, stored: dict[str, Any]) -> Site:
    """The configured values with the stored ones over them (ignoring any that are
    no longer valid, e.g. written by a newer version)."""
    site = base
    if stored.get("registrations") in REGISTRATION_MODES:
        site = replace(site, registrations=stored["registrations"])
    if isinstance(stored.get("description"), str):
        site = replace(site, description=stored["description"])
    rules = stored.get("rules")
    if isinstance(rules, list) and all(isinstance(r, str) for r in rules):
        site = replace(site, rules=tuple(rules))
    return site


class SiteCache:
    """The current ``Site``, from memory when fresh enough."""

    def __init__(self, db: Database, settings: InstanceSettings) -> None:
        self.db = db
        self.base = from_config(settings)
        self._site: Site | None = None
        self._loaded_at = 0.0
        # Tells the other processes of the database that the settings changed.
        self.announce: Callable[[], None] = lambda: None

    def reset(self) -> None:
        """Read the settings again on the next question."""
        self._site = None

    async def get(self) -> Site:
        if self._site is None or time.monotonic() - self._loaded_at > TTL_SECONDS:
            async with self.db.read() as conn:
                stored = await q.load_settings(conn)
            self._site, self._loaded_at = _merged(self.base, stored), time.monotonic()
        return self._site

    async def change(self, now: datetime, **values: Any) -> Site:
        """Store new values (already checked by ``check_changes``) and use them at once."""
        async with self.db.transaction() as conn:
            for name, value in values.items():
                await q.save_setting(conn, name, list(value) if name == "rules" else value, now)
        self.reset()
        self.announce()
        return await self.get()


def _text(value: str, field: str, limit: int, label: str) -> str:
    value = value.replace("\r\n", "\n").strip()
    if len(value) > limit:
        raise ValidationError(f"{label} must be at most {limit} characters", field=field)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise ValidationError(f"{label} must not contain control characters", field=field)
    return value


def check_changes(*, registrations: str, description: str, rules: list[str]) -> dict[str, Any]:
    """Checked values for ``SiteCache.change``; a ValidationError names the field."""
    if registrations not in REGISTRATION_MODES:
        raise ValidationError(
            f"registrations must be one of {', '.join(REGISTRATION_MODES)}", field="registrations"
        )
    kept = [_text(r, "rules", RULE_MAX, "each rule") for r in rules]
    kept = [r for r in kept if r]
    if len(kept) > RULES_MAX:
        raise ValidationError(f"at most {RULES_MAX} rules", field="rules")
    return {
        "registrations": registrations,
        "description": _text(description, "description", DESCRIPTION_MAX, "the description"),
        "rules": tuple(kept),
    }
