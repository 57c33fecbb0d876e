"""Shared test configuration and fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from server.config import Config, load_config
from server.store import Database

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """Real-world documents as 40+ fediverse servers send them (see fixtures/README.md)."""
    return FIXTURES


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Config]:
    """Build a Config the way the CLI does, with its data in the test's folder."""

    def make(**overrides: Any) -> Config:
        overrides.setdefault("data", str(tmp_path / "data"))
        overrides.setdefault("dev", True)
        overrides.setdefault("listen", "127.0.0.1:8080")
        return load_config(environ={}, **overrides)

    return make


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database in the test's folder."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}")
    await database.migrate()
    yield database
    await database.close()
