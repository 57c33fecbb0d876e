"""Shared test configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """Real-world documents as 40+ fediverse servers send them (see fixtures/README.md)."""
    return FIXTURES
