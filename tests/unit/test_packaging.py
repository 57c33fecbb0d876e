"""What pip installs is the whole program: every package and data file is declared.

An editable install (what the tests run on) finds any module in the checkout;
a wheel only has what pyproject.toml lists, so a package left off the list
would break ``pip install .`` and the Docker image while every test passes.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]


def declared() -> tuple[set[str], dict[str, str]]:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return set(setuptools["packages"]), setuptools.get("package-dir", {})


def test_every_python_package_in_the_tree_is_declared() -> None:
    packages, remapped = declared()
    found = set()
    for top in ("server", "federation"):
        for init in (ROOT / top).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(ROOT).parts))
    found |= set(remapped)  # e.g. federation.schemas lives in schemas/
    assert found == packages


def test_every_data_file_kind_is_shipped() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]
    web = ROOT / "server" / "web"
    shipped = {path for pattern in data["server.web"] for path in web.glob(pattern)}
    wanted = {p for folder in ("templates", "static") for p in (web / folder).rglob("*")}
    missing = {p for p in wanted if p.is_file()} - shipped
    assert not missing, f"not in the wheel: {sorted(str(p.relative_to(web)) for p in missing)}"
    assert "*.jsonld" in data["federation.contexts"]
    assert "*.json" in data["federation.schemas"]
    assert (ROOT / "server/store/migrations/script.py.mako").exists()
    assert "*.mako" in data["server.store.migrations"]
