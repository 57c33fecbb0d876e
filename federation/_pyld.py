"""pyld, imported without lxml.

pyld imports ``lxml.html`` when it is imported (4 MiB resident in a server
process), only to read JSON-LD embedded in HTML pages; our document loader
never returns one. Until something uses it, ``lxml.html`` is a placeholder
module that imports the real one on first attribute access.
"""

from __future__ import annotations

import importlib
import sys
import types
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


_defer("lxml.html")

from pyld import jsonld  # noqa: E402
from pyld.context_resolver import ContextResolver  # noqa: E402

__all__ = ["ContextResolver", "jsonld"]
