"""pyld, imported without lxml and without requests.

pyld imports ``lxml.html`` when it is imported (4 MiB resident in a server
process), only to read JSON-LD embedded in HTML pages; our document loader
never returns one. Until something uses it, ``lxml.html`` is a placeholder
module that imports the real one on first attribute access.

pyld also builds a default network document loader when it is imported, on
``requests`` if that is installed (5 MiB more). We never use it (we pass our
own offline loader on every call), so while pyld is imported ``requests``
counts as absent and pyld falls back to its aiohttp loader, already in memory.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import types
from collections.abc import Iterator
from typing import Any


class _Deferred(types.ModuleType):
    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # the import machinery probing
            raise AttributeError(attribute)
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        return getattr(real, attribute)


def _defer(name: str) -> None:
    if name in sys.modules:
        return
    parent_name, _, child = name.rpartition(".")
    parent = importlib.import_module(parent_name)
    placeholder = _Deferred(name)
    sys.modules[name] = placeholder
    setattr(parent, child, placeholder)


@contextlib.contextmanager
def _absent(name: str) -> Iterator[None]:
    """While inside, ``import name`` raises ImportError (unless it is loaded already)."""
    if name in sys.modules:
        yield
        return
    sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]


_defer("lxml.html")

with _absent("requests"):
    from pyld import jsonld
    from pyld.context_resolver import ContextResolver

__all__ = ["ContextResolver", "jsonld"]
