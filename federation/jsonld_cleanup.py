"""Preparing and tidying inbound JSON-LD, shared by the fast path and the pyld path.

Before either path: the effective ``@context`` (AS2 assumed when absent), minus
what peers get wrong. After pyld: the plain names and values our code reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

from federation.errors import JsonLdError
from federation.jsonld_contexts import AS2_CONTEXT, AS2_FILE, bundled_context_file
from federation.vocab import ADDRESSING_FIELDS, AS_PUBLIC, PUBLIC_ALIASES

MAX_DEPTH: Final = 64
"""Nesting deeper than this is hostile, not federation."""
_NO_ALIASES: Final[Mapping[str, str]] = MappingProxyType({})


def prepare(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Shallow copy with an effective, repaired @context (AS2 Core: assume AS2 when absent)."""
    if not isinstance(doc, Mapping):
        raise JsonLdError("a JSON-LD document must be a JSON object")
    entries = _clean_context(doc.get("@context"))
    if not any(isinstance(e, str) and bundled_context_file(e) == AS2_FILE for e in entries):
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


def without_nulls(value: Any, depth: int = 0) -> Any:
    """Drop nulls (pyld drops them too, but fails on ``"id": null``); clean nested contexts."""
    if depth > MAX_DEPTH:
        raise JsonLdError("JSON-LD document is nested too deeply")
    if isinstance(value, dict):
        return {
            key: _clean_context(item) if key == "@context" else without_nulls(item, depth + 1)
            for key, item in value.items()
            if item is not None
        }
    if isinstance(value, list):
        return [without_nulls(item, depth) for item in value if item is not None]
    return value


def tidy(value: Any, key: str | None = None, aliases: Mapping[str, str] = _NO_ALIASES) -> Any:
    """Undefined terms keep their plain names; Public is one IRI; value objects unwrap.

    With AS2's ``"@vocab": "_:"`` an undefined term comes out as ``_:term``;
    its sender (like Mastodon, which reads plain JSON keys) meant the plain name.
    A key or type that is an IRI in ``aliases`` becomes its term (schema.org's
    other spellings, say), unless the object already has that key. (The fast
    path never meets those: it declines IRI keys and types, and terms defined
    otherwise than the canonical context defines them.)
    """
    if isinstance(value, list):
        return [tidy(item, key, aliases) for item in value]
    if isinstance(value, dict):
        if "@value" in value:
            return tidy(value["@value"], key, aliases)
        if set(value) == {"@list"}:
            return tidy(value["@list"], key, aliases)
        out: dict[str, Any] = {}
        for name, item in value.items():
            plain = name[2:] if name.startswith("_:") and len(name) > 2 else aliases.get(name)
            if plain and plain not in value and plain not in out:
                name = plain
            out[name] = tidy(item, name, aliases)
        return out
    if isinstance(value, str):
        if key in ADDRESSING_FIELDS and value in PUBLIC_ALIASES:
            return AS_PUBLIC
        if key == "type" and value.startswith("_:") and len(value) > 2:
            return value[2:]
        if key == "type":
            return aliases.get(value, value)
    return value
