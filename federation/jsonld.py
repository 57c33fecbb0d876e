"""JSON-LD for documents from outside: bundled contexts, an offline loader, compact_inbound().

Peers write one statement many ways (``as:Public``, ``Public`` or the full
IRI; ``as:Hashtag`` or ``Hashtag``; ``toot:discoverable``), so the rest of the
code reads a document only after :func:`compact_inbound` has rewritten it
against one canonical context (AS2 + security + Mastodon's terms + Warmline's).

Contexts are bundled files (contexts/README.md). Nothing here fetches a URL:
an unknown context resolves to an empty one, so what it would define is simply
not understood. pyld gets our loader and our resolver cache on every call; no
pyld process global is set.

Most traffic (Mastodon, and the many servers that copy its context) uses terms
that mean exactly what the canonical context says; for those a plain-Python
walk reproduces pyld's output at a fraction of the cost (the fast path).
Anything it cannot vouch for goes through pyld.
"""

from __future__ import annotations

import copy
import functools
import json
from collections import OrderedDict
from collections.abc import Mapping
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from federation._pyld import ContextResolver
from federation._pyld import jsonld as pyld
from federation.errors import JsonLdError
from federation.vocab import ADDRESSING_FIELDS, AS_PUBLIC, PUBLIC_ALIASES

AS2_CONTEXT: Final = "https://www.w3.org/ns/activitystreams"
SECURITY_V1_CONTEXT: Final = "https://w3id.org/security/v1"
DATA_INTEGRITY_V1_CONTEXT: Final = "https://w3id.org/security/data-integrity/v1"
MULTIKEY_V1_CONTEXT: Final = "https://w3id.org/security/multikey/v1"
WARMLINE_CONTEXT: Final = "https://w3id.org/warmline/v1"
WARMLINE_NS: Final = "https://w3id.org/warmline/ns#"
MAX_DEPTH: Final = 64
"""Nesting deeper than this is hostile, not federation."""

# Context URL without scheme, fragment, trailing slash or ".jsonld" -> bundled file.
_BUNDLED: Final[Mapping[str, str]] = MappingProxyType(
    {
        "www.w3.org/ns/activitystreams": "activitystreams.jsonld",
        "w3id.org/security/v1": "security-v1.jsonld",
        "w3id.org/security/multikey/v1": "multikey-v1.jsonld",
        "w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
        "w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
        "www.w3.org/ns/did/v1": "did-v1.jsonld",
        "w3id.org/identity/v1": "identity-v1.jsonld",
        "purl.archive.org/socialweb/webfinger": "webfinger.jsonld",
        "gotosocial.org/ns": "gotosocial.jsonld",
        "w3id.org/warmline/v1": "warmline.jsonld",
    }
)
_LITEPUB_PATH: Final = "/schemas/litepub-0.1"  # Pleroma serves it from every instance
_LITEPUB_FILE: Final = "litepub-0.1.jsonld"
_AS2_FILE: Final = "activitystreams.jsonld"
_INBOUND_FILE: Final = "inbound-terms.jsonld"  # terms we read from others but never send

WARMLINE_OUTPUT_CONTEXT: Final[list[Any]] = [
    AS2_CONTEXT,
    SECURITY_V1_CONTEXT,
    DATA_INTEGRITY_V1_CONTEXT,
    MULTIKEY_V1_CONTEXT,
    {
        # Mastodon's extension terms, defined exactly as Mastodon defines them.
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "sensitive": "as:sensitive",
        "Hashtag": "as:Hashtag",
        "movedTo": {"@id": "as:movedTo", "@type": "@id"},
        "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
        "toot": "http://joinmastodon.org/ns#",
        "Emoji": "toot:Emoji",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
        "schema": "http://schema.org#",
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
        "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
        "blurhash": "toot:blurhash",
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
        "memorial": "toot:memorial",
        "suspended": "toot:suspended",
        "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
        # FEP-521a key purposes, as did/v1 defines it (multikey/v1 does not).
        "assertionMethod": {
            "@id": "https://w3id.org/security#assertionMethod",
            "@type": "@id",
            "@container": "@set",
        },
        # Warmline's terms (profile, connections, introductions, endorsements,
        # recommendations): the same definitions as contexts/warmline.jsonld.
        "wl": WARMLINE_NS,
        "headline": "wl:headline",
        "industry": "wl:industry",
        "openTo": {"@id": "wl:openTo", "@container": "@set"},
        "Experience": "wl:Experience",
        "experience": {"@id": "wl:experience", "@type": "@id"},
        "Education": "wl:Education",
        "education": {"@id": "wl:education", "@type": "@id"},
        "title": "wl:title",
        "organization": "wl:organization",
        "startDate": "wl:startDate",
        "endDate": "wl:endDate",
        "description": "wl:description",
        "school": "wl:school",
        "degree": "wl:degree",
        "fieldOfStudy": "wl:fieldOfStudy",
        "skills": {"@id": "wl:skills", "@container": "@list"},
        "links": {"@id": "wl:links", "@container": "@list"},
        "connections": {"@id": "wl:connections", "@type": "@id"},
        "acceptsIntroductions": "wl:acceptsIntroductions",
        "Connect": "wl:Connect",
        "Disconnect": "wl:Disconnect",
        "RequestIntroduction": "wl:RequestIntroduction",
        "Introduce": "wl:Introduce",
        "introducer": {"@id": "wl:introducer", "@type": "@id"},
        "introduction": {"@id": "wl:introduction", "@type": "@id"},
        "reason": "wl:reason",
        "Endorse": "wl:Endorse",
        "skill": "wl:skill",
        "Recommend": "wl:Recommend",
    },
]
"""The ``@context`` of every document Warmline sends. Treat it as read-only.

Only standard context URLs (some peers try to download any other, see
interop-notes.md); Warmline's own terms travel inline.
"""

_TERM_KEYS: Final = ("@id", "@type", "@container", "@context", "@language", "@direction")
_TERM_KEYS_EXTRA: Final = ("reverse", "@index", "@nest")
_ACTIVE_KEYS: Final = ("@vocab", "@base", "@language", "@direction")


def bundled_context_file(url: str) -> str | None:
    """The bundled file that stands for context ``url`` (http/https, slash and .jsonld alike)."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    host, slash, path = rest.split("#", 1)[0].rstrip("/").removesuffix(".jsonld").partition("/")
    key = host.lower() + slash + path
    if key in _BUNDLED:
        return _BUNDLED[key]
    return _LITEPUB_FILE if path and slash + path == _LITEPUB_PATH else None


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader: bundled contexts only, never the network.

    An unknown URL is answered with an empty context, so its terms stay undefined.
    """
    name = bundled_context_file(url)
    remote: dict[str, Any] = {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": {}} if name is None else copy.deepcopy(_read_bundled(name)),
    }
    if name is not None:
        remote["tag"] = "static"  # lets our resolver cache keep it
    return remote


def canonical_context() -> list[Any]:
    """The context inbound documents are compacted against (a fresh copy)."""
    inbound = _read_bundled(_INBOUND_FILE)["@context"]
    return copy.deepcopy([*WARMLINE_OUTPUT_CONTEXT, inbound, dict(_neutral_prefixes())])


def compact_inbound(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Rewrite an incoming document into the compact form our code reads.

    Raises JsonLdError when the document cannot be processed. Fetches nothing.
    """
    fast = try_fast_path(doc)
    return fast if fast is not None else compact_with_pyld(doc)


def compact_with_pyld(doc: Mapping[str, Any]) -> dict[str, Any]:
    """compact_inbound() through pyld, always: the reference the fast path must match."""
    try:
        prepared = _without_nulls(_prepare(doc))
        out = pyld.compact(prepared, canonical_context(), _options())
    except pyld.JsonLdError as exc:
        code = getattr(exc, "code", None) or getattr(exc, "type", "error")
        raise JsonLdError(f"cannot process JSON-LD ({code}): {exc.args[0]}") from exc
    except RecursionError as exc:
        raise JsonLdError("JSON-LD document is nested too deeply") from exc
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        raise JsonLdError(f"cannot process JSON-LD: {type(exc).__name__}") from exc
    out.pop("@context", None)
    if "@graph" in out:
        raise JsonLdError("expected one JSON-LD node, found a graph")
    return _tidy(out)


def try_fast_path(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """compact_inbound() without pyld, or None when it cannot promise pyld's result."""
    raw = doc.get("@context") if isinstance(doc, Mapping) else None
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, list) and all(isinstance(entry, str) for entry in raw):
        # The usual case, a list of context URLs: looked up without preparing a copy.
        info = _context_info_for_urls(tuple(raw))
        prepared = {key: value for key, value in doc.items() if key != "@context"}
    else:
        prepared = _prepare(doc)
        context = prepared.pop("@context")
        try:
            key = json.dumps(context, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError):
            return None  # let pyld say what is wrong with it
        info = _context_info(key)
    if info is None:
        return None
    try:
        out = _FastWalk(info).node(prepared, 0)
    except _Bail:
        return None
    if set(out) <= {"id"}:
        return None  # pyld drops a top-level bare reference; leave that to it
    return out  # already tidy: the walk emits no value objects, lists or blank names


# --- preparation and tidying, shared by both paths ----------------------------


def _prepare(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Shallow copy with an effective, repaired @context (AS2 Core: assume AS2 when absent)."""
    if not isinstance(doc, Mapping):
        raise JsonLdError("a JSON-LD document must be a JSON object")
    entries = _clean_context(doc.get("@context"))
    if not any(isinstance(e, str) and bundled_context_file(e) == _AS2_FILE for e in entries):
        entries.insert(0, AS2_CONTEXT)
    return {**doc, "@context": entries}


def _clean_context(raw: Any) -> list[Any]:
    """A context as a list, minus what peers get wrong or we choose to ignore.

    Dropped: a default ``@language`` (Pleroma's "und" would turn every plain
    string into a language-tagged value; contentMap carries real languages),
    and term definitions that are not valid JSON-LD (Pixelfed nests
    ``"capabilities": {"announce": {...}}``) and would fail the whole document.
    """
    entries = list(raw) if isinstance(raw, list) else ([] if raw is None else [raw])
    return [_clean_context_object(e) if isinstance(e, dict) else e for e in entries]


def _clean_context_object(entry: dict[str, Any]) -> dict[str, Any]:
    def usable(term: str, definition: Any) -> bool:
        if term.startswith("@"):
            return term != "@language"
        if isinstance(definition, dict):
            return all(isinstance(key, str) and key.startswith("@") for key in definition)
        return definition is None or isinstance(definition, str)

    return {term: definition for term, definition in entry.items() if usable(term, definition)}


def _without_nulls(value: Any, depth: int = 0) -> Any:
    """Drop nulls (pyld drops them too, but fails on ``"id": null``); clean nested contexts."""
    if depth > MAX_DEPTH:
        raise JsonLdError("JSON-LD document is nested too deeply")
    if isinstance(value, dict):
        return {
            key: _clean_context(item) if key == "@context" else _without_nulls(item, depth + 1)
            for key, item in value.items()
            if item is not None
        }
    if isinstance(value, list):
        return [_without_nulls(item, depth) for item in value if item is not None]
    return value


def _tidy(value: Any, key: str | None = None) -> Any:
    """Undefined terms keep their plain names; Public is one IRI; value objects unwrap.

    With AS2's ``"@vocab": "_:"`` an undefined term comes out as ``_:term``;
    its sender (like Mastodon, which reads plain JSON keys) meant the plain name.
    """
    if isinstance(value, list):
        return [_tidy(item, key) for item in value]
    if isinstance(value, dict):
        if "@value" in value:
            return _tidy(value["@value"], key)
        if set(value) == {"@list"}:
            return _tidy(value["@list"], key)
        out: dict[str, Any] = {}
        for name, item in value.items():
            if name.startswith("_:") and len(name) > 2 and name[2:] not in value:
                name = name[2:]
            out[name] = _tidy(item, name)
        return out
    if isinstance(value, str):
        if key in ADDRESSING_FIELDS and value in PUBLIC_ALIASES:
            return AS_PUBLIC
        if key == "type" and value.startswith("_:") and len(value) > 2:
            return value[2:]
    return value


# --- pyld plumbing ------------------------------------------------------------


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


@functools.cache
def _read_bundled(name: str) -> dict[str, Any]:
    return json.loads(files("federation.contexts").joinpath(name).read_text(encoding="utf-8"))


def _options() -> dict[str, Any]:
    return {
        "documentLoader": document_loader,
        "base": None,
        "processingMode": "json-ld-1.1",
        "contextResolver": ContextResolver(_resolver_cache(), document_loader),
    }


def _process_context(context: Any) -> Mapping[str, Any]:
    processor = pyld.JsonLdProcessor()
    options = _options()
    initial = processor.process_context(None, None, options)
    return processor.process_context(initial, context, options)


@functools.cache
def _neutral_prefixes() -> tuple[tuple[str, dict[str, str]], ...]:
    """Every canonical prefix redefined as a plain term.

    Compaction then leaves IRIs whole ("as:Public" comes back as the full IRI)
    and never mistakes an IRI whose scheme looks like one of our prefixes.
    """
    inbound = _read_bundled(_INBOUND_FILE)["@context"]
    active = _process_context([*WARMLINE_OUTPUT_CONTEXT, inbound])
    return tuple(
        (term, {"@id": definition["@id"]})
        for term, definition in sorted(active["mappings"].items())
        if definition and definition.get("_prefix")
    )


# --- fast path ----------------------------------------------------------------


class _Bail(Exception):
    """The fast path cannot promise pyld's result for this document."""


class _ContextInfo(NamedTuple):
    terms: Mapping[str, Mapping[str, Any]]
    bad: frozenset[str]  # terms whose meaning differs from, or is unknown to, the canonical one
    prefixes: Mapping[str, str]
    # How to read each term's values, worked out on first use (see _FastWalk.plan).
    plans: dict[str, tuple[str, str | None, bool]]


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
    active = _process_context(canonical_context())
    terms = dict(active["mappings"])
    groups: dict[Any, list[str]] = {}
    for term, definition in terms.items():
        groups.setdefault(_signature(definition), []).append(term)
    ranked = (sorted(group, key=lambda t: (len(t), t)) for group in groups.values())
    shadowed = frozenset(term for group in ranked for term in group[1:])
    return active, MappingProxyType(terms), shadowed


@functools.lru_cache(maxsize=512)
def _context_info_for_urls(urls: tuple[str, ...]) -> _ContextInfo | None:
    """_context_info for a context that is a list of URLs (prepared as _prepare would)."""
    context = _prepare({"@context": list(urls)})["@context"]
    return _context_info(json.dumps(context, sort_keys=True, separators=(",", ":")))


@functools.lru_cache(maxsize=512)
def _context_info(context_json: str) -> _ContextInfo | None:
    """Which of a document's terms mean exactly what the canonical context says."""
    try:
        active = _process_context(json.loads(context_json))
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
    return _ContextInfo(MappingProxyType(terms), frozenset(bad | shadowed), prefixes, {})


def _public(value: Any) -> Any:
    """Every spelling of the public collection as its one IRI (what _tidy does)."""
    if isinstance(value, list):
        return [AS_PUBLIC if item in PUBLIC_ALIASES else item for item in value]
    return AS_PUBLIC if value in PUBLIC_ALIASES else value


class _FastWalk:
    """Replays, for plain documents, what pyld's expand-then-compact produces.

    Raises _Bail at the first thing it does not model (keywords, compact-IRI
    keys, scoped contexts, terms the document defines differently, ...).
    """

    def __init__(self, info: _ContextInfo) -> None:
        self.terms, self.bad, self.prefixes = info.terms, info.bad, info.prefixes
        self.plans = info.plans

    def node(self, obj: Mapping[str, Any], depth: int) -> dict[str, Any]:
        if depth > MAX_DEPTH:
            raise JsonLdError("JSON-LD document is nested too deeply")
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if value is None:
                if not key or key[0] == "@" or ":" in key or key in self.bad:
                    raise _Bail
                continue
            mode, kind, listed = self.plans.get(key) or self.plan(key)
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
        """How values of ``key`` compact: (mode, item @type, kept as a list). Raises
        _Bail for what is not modelled. Worked out once per term and context."""
        if not key or key[0] == "@" or ":" in key or key in self.bad:
            raise _Bail
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
