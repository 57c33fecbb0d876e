"""The fast path of compact_inbound(): pyld's result, without pyld, for plain documents.

Most traffic (Mastodon, and the many servers that copy its context) uses terms
that mean exactly what the canonical context says; for those a plain-Python
walk reproduces pyld's output at a fraction of the cost. Anything it cannot
vouch for is left to pyld (try_fast_path() returns None).
"""

from __future__ import annotations

import functools
import json
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from federation._pyld import jsonld as pyld
from federation.errors import JsonLdError
from federation.jsonld_cleanup import MAX_DEPTH, prepare
from federation.jsonld_pyld import canonical_context, process_context
from federation.vocab import ADDRESSING_FIELDS, AS_PUBLIC, PUBLIC_ALIASES

_TERM_KEYS: Final = ("@id", "@type", "@container", "@context", "@language", "@direction")
_TERM_KEYS_EXTRA: Final = ("reverse", "@index", "@nest")
_ACTIVE_KEYS: Final = ("@vocab", "@base", "@language", "@direction")


def try_fast_path(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """compact_inbound() without pyld, or None when it cannot promise pyld's result."""
    raw = doc.get("@context") if isinstance(doc, Mapping) else None
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, list) and all(isinstance(entry, str) for entry in raw):
        # The usual case, a list of context URLs: looked up without preparing a copy.
        info = _context_info_for_urls(tuple(raw))
        prepared = {key: value for key, value in doc.items() if key != "@context"}
    elif isinstance(doc, Mapping):
        info = _context_info_for_raw(raw)
        prepared = {key: value for key, value in doc.items() if key != "@context"}
    else:
        prepare(doc)  # raises JsonLdError: not a JSON object
        return None
    if info is None:
        return None
    try:
        out = _FastWalk(info).node(prepared, 0)
    except _Bail:
        return None
    if set(out) <= {"id"}:
        return None  # pyld drops a top-level bare reference; leave that to it
    return out  # already tidy: the walk emits no value objects, lists or blank names


class _Bail(Exception):
    """The fast path cannot promise pyld's result for this document."""


class _ContextInfo(NamedTuple):
    terms: Mapping[str, Mapping[str, Any]]
    bad: frozenset[str]  # terms whose meaning differs from, or is unknown to, the canonical one
    prefixes: Mapping[str, str]
    # How to read each term's values, worked out on first use (see _FastWalk.plan).
    plans: dict[str, tuple[str, str | None, bool]]
    context: str  # the document's context (prepared, as JSON): what _probe asks pyld with


def _signature(definition: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    if definition is None:
        return None
    keys = (*_TERM_KEYS, *_TERM_KEYS_EXTRA)
    return tuple(json.dumps(definition.get(key), sort_keys=True, default=dict) for key in keys)


@functools.cache
def _canonical_info() -> tuple[Mapping[str, Any], Mapping[str, Any], frozenset[str]]:
    """Canonical active context, its terms, and the terms compaction never picks.

    When two terms mean the same, pyld compacts to the shortest (then first in
    order), so a document using the other one is left to pyld.
    """
    active = process_context(canonical_context())
    terms = dict(active["mappings"])
    groups: dict[Any, list[str]] = {}
    for term, definition in terms.items():
        groups.setdefault(_signature(definition), []).append(term)
    ranked = (sorted(group, key=lambda t: (len(t), t)) for group in groups.values())
    shadowed = frozenset(term for group in ranked for term in group[1:])
    return active, MappingProxyType(terms), shadowed


@functools.lru_cache(maxsize=512)
def _context_info_for_urls(urls: tuple[str, ...]) -> _ContextInfo | None:
    """_context_info for a context that is a list of URLs (prepared as prepare would)."""
    context = prepare({"@context": list(urls)})["@context"]
    return _context_info(json.dumps(context, sort_keys=True, separators=(",", ":")))


_RAW_CONTEXTS: OrderedDict[str, _ContextInfo | None] = OrderedDict()
_RAW_CONTEXTS_SIZE: Final = 512
_RAW_CONTEXT_CHARS: Final = 16_384
_MISSING: Final = object()


def _context_info_for_raw(raw: Any) -> _ContextInfo | None:
    """_context_info for any other context (Mastodon's inline one), found by its
    repr as parsed: the same context from the same software costs one repr,
    not a prepared copy and a sorted dump (repr tells parsed JSON apart)."""
    try:
        key = repr(raw)
    except RecursionError:
        return None
    found = _RAW_CONTEXTS.get(key, _MISSING)
    if found is _MISSING:
        context = prepare({"@context": raw})["@context"]
        try:
            dumped = json.dumps(context, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError):
            found = None  # let pyld say what is wrong with it
        else:
            found = _context_info(dumped)
        if len(key) <= _RAW_CONTEXT_CHARS:  # real contexts are a few hundred characters
            _RAW_CONTEXTS[key] = found
            if len(_RAW_CONTEXTS) > _RAW_CONTEXTS_SIZE:
                _RAW_CONTEXTS.popitem(last=False)
    return found  # type: ignore[return-value]


@functools.lru_cache(maxsize=512)
def _context_info(context_json: str) -> _ContextInfo | None:
    """Which of a document's terms mean exactly what the canonical context says."""
    try:
        active = process_context(json.loads(context_json))
    except (pyld.JsonLdError, RecursionError, TypeError, ValueError, KeyError):
        return None
    canonical, canonical_terms, shadowed = _canonical_info()
    if any(active.get(key) != canonical.get(key) for key in _ACTIVE_KEYS):
        return None
    terms = dict(active["mappings"])
    bad = {
        term
        for term, definition in terms.items()
        if definition is None or _signature(definition) != _signature(canonical_terms.get(term))
    }
    prefixes = {
        term: definition["@id"]
        for term, definition in terms.items()
        if definition and definition.get("_prefix") and isinstance(definition.get("@id"), str)
    }
    return _ContextInfo(
        MappingProxyType(terms), frozenset(bad | shadowed), prefixes, {}, context_json
    )


def _public(value: Any) -> Any:
    """Every spelling of the public collection as its one IRI (what tidy does)."""
    if isinstance(value, list):
        return [AS_PUBLIC if _is_public(item) else item for item in value]
    return AS_PUBLIC if _is_public(value) else value


def _is_public(item: Any) -> bool:
    # Only a string can be an alias; an object (hostile or not) is not hashable.
    return isinstance(item, str) and item in PUBLIC_ALIASES


class _FastWalk:
    """Replays, for plain documents, what pyld's expand-then-compact produces.

    Raises _Bail at the first thing it does not model (keywords, compact-IRI
    keys, scoped contexts, terms the document defines differently, ...).
    """

    def __init__(self, info: _ContextInfo) -> None:
        self.terms, self.bad, self.prefixes = info.terms, info.bad, info.prefixes
        self.plans, self.context = info.plans, info.context
        self.probes = 0  # terms asked of pyld during this walk

    def node(self, obj: Mapping[str, Any], depth: int) -> dict[str, Any]:
        if depth > MAX_DEPTH:
            raise JsonLdError("JSON-LD document is nested too deeply")
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if value is None:
                if not key or key[0] == "@" or ":" in key:
                    raise _Bail
                if key in self.bad:
                    self.plans.get(key) or self.plan(key)  # pyld drops it only if it can read it
                continue
            mode, kind, listed = self.plans.get(key) or self.plan(key)
            if mode == "as" or mode == "wrap-id":  # a term the canonical context reads otherwise
                name = kind or key
                if name in out or (name in obj and name != key):
                    raise _Bail  # two keys becoming one: pyld merges them, we do not
                if mode == "as" and listed:  # listed: the values are IRIs (@type @id)
                    out[name] = self.iris(value)
                elif mode == "as":
                    out[name] = self.values(None, False, value, depth)
                else:
                    out[name] = self.wrapped_ids(value)
                continue
            if mode == "iri":
                out[key] = self.iri(value)
            elif mode == "types":
                out[key] = self.types(value)
            elif mode == "language":
                out[key] = self.language_map(value)
            else:
                out[key] = self.values(kind, listed, value, depth)
            if key in ADDRESSING_FIELDS:
                out[key] = _public(out[key])
        return out

    def plan(self, key: str) -> tuple[str, str | None, bool]:
        """How values of ``key`` compact: (mode, item @type, kept as a list) — for
        the modes "as" and "wrap-id" the item type is the key to write instead.
        Raises _Bail for what is not modelled. Worked out once per term and context."""
        if not key or key[0] == "@" or ":" in key:
            raise _Bail
        if key in self.bad:
            self.probes += 1
            if self.probes > MAX_PROBES:
                raise _Bail  # a context full of odd terms: one pyld pass costs less
            found = _probe(self.context, key, self.terms.get(key))
            if found is None:
                raise _Bail
            self.plans[key] = found
            return found
        definition = self.terms.get(key) or {}
        target = definition.get("@id")
        if target == "@id":
            found: tuple[str, str | None, bool] = ("iri", None, False)
        elif target == "@type":
            found = ("types", None, False)
        else:
            if "@context" in definition or definition.get("reverse"):
                raise _Bail
            if (target or "")[:1] == "@":
                raise _Bail
            container = list(definition.get("@container") or ())
            if container == ["@language"]:
                found = ("language", None, False)
            elif set(container) <= {"@list", "@set"}:
                found = ("values", definition.get("@type"), bool(container))
            else:
                raise _Bail
        self.plans[key] = found
        return found

    def values(self, kind: str | None, listed: bool, value: Any, depth: int) -> Any:
        if not isinstance(value, list):  # the common case: one value, no list to build
            single = self.item(kind, value, depth)
            return [single] if listed else single
        if any(item is None for item in value):
            raise _Bail  # nulls inside a list: not worth imitating
        items = [self.item(kind, item, depth) for item in value]
        if listed:
            return items
        return items[0] if len(items) == 1 else items

    def item(self, kind: str | None, value: Any, depth: int) -> Any:
        if kind is None and type(value) is str:
            return value  # plain text, the commonest value: kept as it is
        if isinstance(value, list) or kind == "@vocab":
            raise _Bail
        if isinstance(value, dict):
            if kind not in (None, "@id"):
                raise _Bail
            node = self.node(value, depth + 1)
            if not node:
                raise _Bail
            return node["id"] if kind == "@id" and set(node) == {"id"} else node
        if kind == "@id":
            return self.iri(value)
        return value  # pyld keeps strings, numbers and booleans as they are

    def iris(self, value: Any) -> Any:
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) and ":" in v for v in items):
            raise _Bail
        out = [self.iri(v) for v in items]
        return out[0] if len(out) == 1 else out

    def wrapped_ids(self, value: Any) -> Any:
        """Values of an @id-typed term written under a term that is not: {"id": IRI}."""
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(v, str) and ":" in v for v in items):
            raise _Bail
        out = [{"id": self.iri(v)} for v in items]
        if any(_is_public(item["id"]) for item in out):
            raise _Bail
        return out[0] if len(out) == 1 else out

    def iri(self, value: Any) -> str:
        if not isinstance(value, str) or value.startswith("@"):
            raise _Bail
        prefix, colon, suffix = value.partition(":")
        if colon and not suffix.startswith("//") and prefix in self.prefixes:
            return self.prefixes[prefix] + suffix
        return value

    def types(self, value: Any) -> Any:
        names = value if isinstance(value, list) else [value]
        for name in names:
            if not isinstance(name, str) or not name or name[0] == "@" or ":" in name:
                raise _Bail
            definition = self.terms.get(name)
            if name in self.bad or (definition is not None and "@context" in definition):
                raise _Bail
        if not names:
            raise _Bail
        return names[0] if len(names) == 1 else list(names)

    def language_map(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or not value:
            raise _Bail
        out: dict[str, Any] = {}
        for language, text in value.items():
            if language != language.lower() or language[:1] == "@":
                raise _Bail
            texts = [t for t in (text if isinstance(text, list) else [text]) if t is not None]
            if not all(isinstance(t, str) for t in texts):
                raise _Bail
            if texts:
                out[language] = texts[0] if len(texts) == 1 else texts
        if not out:
            raise _Bail
        return out


_PROBE_VALUE: Final = "https://probe.invalid/value"
# Terms one walk may ask pyld about (each a small pyld run, ~1-3 ms, then
# remembered with the context): Misskey, Pleroma and Pixelfed need one to three.
MAX_PROBES: Final = 8


@functools.lru_cache(maxsize=4096)
def _probe_cached(context_json: str, key: str, iris: bool) -> tuple[str, str | None, bool] | None:
    probe = {
        "@context": json.loads(context_json),
        "id": "https://probe.invalid/node",
        "type": "Note",
        key: _PROBE_VALUE,
    }
    try:
        from federation.jsonld_pyld import compact_with_pyld

        out = compact_with_pyld(probe)
    except (JsonLdError, RecursionError):
        return None
    extra = {k: v for k, v in out.items() if k not in ("id", "type")}
    if len(extra) != 1 or out.get("type") != "Note":
        return None
    ((name, value),) = extra.items()
    if name.startswith("@") or name in ADDRESSING_FIELDS:
        return None
    if value == _PROBE_VALUE:
        return ("as", name, iris)
    if value == {"id": _PROBE_VALUE}:
        return ("wrap-id", name, False)
    return None


def _probe(
    context_json: str, key: str, definition: Mapping[str, Any] | None
) -> tuple[str, str | None, bool] | None:
    """How pyld writes a term the canonical context reads otherwise (or not at
    all) — ``_misskey_content`` becomes its full IRI, Pleroma's @id-typed
    ``conversation`` a {"id": ...} — asked of pyld once per context and term
    with a one-term document. Only plain definitions are probed: an IRI, at
    most ``@type: @id``, nothing scoped, reversed or in a container."""
    plain = {"@id", "@type", "_prefix", "_term_has_colon", "protected", "reverse"}
    if not definition or set(definition) - plain or definition.get("reverse"):
        return None
    target, kind = definition.get("@id"), definition.get("@type")
    if not isinstance(target, str) or target[:1] == "@" or ":" not in target:
        return None
    if kind not in (None, "@id"):
        return None
    return _probe_cached(context_json, key, kind == "@id")
