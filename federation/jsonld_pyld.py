"""compact_inbound() through pyld, and the pyld plumbing both paths share.

pyld gets our offline loader and our resolver cache on every call; no pyld
process global is set. The canonical context (what inbound documents are
compacted against) is worked out here, with pyld's help.
"""

from __future__ import annotations

import copy
import functools
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from federation._pyld import ContextResolver
from federation._pyld import jsonld as pyld
from federation.errors import JsonLdError
from federation.jsonld_cleanup import prepare, tidy, without_nulls
from federation.jsonld_contexts import (
    INBOUND_ALIASES,
    INBOUND_FILE,
    SCHEMA_NS,
    SCHEMA_SPELLINGS,
    WARMLINE_OUTPUT_CONTEXT,
    document_loader,
    read_bundled,
)


def canonical_context() -> list[Any]:
    """The context inbound documents are compacted against (a fresh copy)."""
    inbound = read_bundled(INBOUND_FILE)["@context"]
    return copy.deepcopy([*WARMLINE_OUTPUT_CONTEXT, inbound, dict(_neutral_prefixes())])


_PYLD_FAULTS = (TypeError, ValueError, AttributeError, KeyError, IndexError)


def compact_with_pyld(doc: Mapping[str, Any]) -> dict[str, Any]:
    """compact_inbound() through pyld, always: the reference the fast path must match.

    Now and then pyld fails inside (a KeyError on an active context cached
    half-made, from its shared caches) on a document it compacts fine on its
    own: such a failure is tried once more with caches of its own, and our shared
    resolver cache is emptied, before the document is called bad."""
    try:
        prepared = without_nulls(prepare(doc))
        try:
            out = pyld.compact(prepared, canonical_context(), _options())
        except _PYLD_FAULTS:
            _resolver_cache().clear()
            out = pyld.compact(prepared, canonical_context(), _options(fresh=True))
    except pyld.JsonLdError as exc:
        code = getattr(exc, "code", None) or getattr(exc, "type", "error")
        raise JsonLdError(f"cannot process JSON-LD ({code}): {exc.args[0]}") from exc
    except RecursionError as exc:
        raise JsonLdError("JSON-LD document is nested too deeply") from exc
    except _PYLD_FAULTS as exc:
        raise JsonLdError(f"cannot process JSON-LD: {type(exc).__name__}") from exc
    out.pop("@context", None)
    if "@graph" in out:
        raise JsonLdError("expected one JSON-LD node, found a graph")
    return tidy(out, aliases=inbound_aliases())


class _Lru(OrderedDict[str, Any]):
    """Bounded cache of pyld's resolved contexts (pyld only calls get() and []=)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self._size = size

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            value = self[key]
            self.move_to_end(key)
        except KeyError:  # absent, or evicted by another thread meanwhile
            return default
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self._size:
            self.popitem(last=False)


@functools.cache
def _resolver_cache() -> _Lru:
    return _Lru(256)


def _options(*, fresh: bool = False) -> dict[str, Any]:
    cache = _Lru(64) if fresh else _resolver_cache()
    return {
        "documentLoader": document_loader,
        "base": None,
        "processingMode": "json-ld-1.1",
        "contextResolver": ContextResolver(cache, document_loader),
    }


def process_context(context: Any) -> Mapping[str, Any]:
    processor = pyld.JsonLdProcessor()
    options = _options()
    initial = processor.process_context(None, None, options)
    return processor.process_context(initial, context, options)


@functools.cache
def inbound_aliases() -> Mapping[str, str]:
    """Full IRI -> canonical term, for IRIs compaction leaves whole that mean a canonical term.

    INBOUND_ALIASES, and every schema.org term of the canonical context (and alias)
    in each spelling of schema.org. tidy() renames keys and types with it.
    """
    mappings = process_context(canonical_context())["mappings"]
    pairs = dict(INBOUND_ALIASES)
    for term, definition in mappings.items():
        iri = definition.get("@id") if definition else None
        if isinstance(iri, str) and iri.startswith(SCHEMA_NS) and iri != SCHEMA_NS:
            pairs.setdefault(iri, term)
    found: dict[str, str] = {}
    for iri, term in pairs.items():
        own = (mappings.get(term) or {}).get("@id")
        local = iri.removeprefix(SCHEMA_NS) if iri.startswith(SCHEMA_NS) else None
        spellings = [iri] if local is None else [ns + local for ns in SCHEMA_SPELLINGS]
        found.update((spelling, term) for spelling in spellings if spelling != own)
    return MappingProxyType(found)


@functools.cache
def _neutral_prefixes() -> tuple[tuple[str, dict[str, str]], ...]:
    """Every canonical prefix redefined as a plain term.

    Compaction then leaves IRIs whole ("as:Public" comes back as the full IRI)
    and never mistakes an IRI whose scheme looks like one of our prefixes.
    """
    inbound = read_bundled(INBOUND_FILE)["@context"]
    active = process_context([*WARMLINE_OUTPUT_CONTEXT, inbound])
    return tuple(
        (term, {"@id": definition["@id"]})
        for term, definition in sorted(active["mappings"].items())
        if definition and definition.get("_prefix")
    )
