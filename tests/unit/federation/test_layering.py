"""federation/ is a protocol library: it must never import server/."""

from __future__ import annotations

import ast
from pathlib import Path

FEDERATION = Path(__file__).parents[3] / "federation"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_federation_never_imports_server() -> None:
    offenders = {
        str(path.relative_to(FEDERATION.parent)): sorted(
            name
            for name in imported_modules(path)
            if name == "server" or name.startswith("server.")
        )
        for path in FEDERATION.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(offenders) > 10  # the walk really found the package
