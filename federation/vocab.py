"""ActivityStreams 2 vocabulary: constants and tolerant readers.

READERS ONLY for now: builders (follow(), accept(), create_note(), ...) come
later, from someone else, into this module.

AS2 lets a sender write one value as a scalar or a one-item list, a link as
an IRI string or an object with ``id`` (or ``href`` for a Link), and the
public collection as ``Public``, ``as:Public`` or the full IRI. Peers use all
of these forms (see ../shared/reference/interop-notes.md), so the rest of the
code reads documents through these helpers instead of indexing them directly.
They never raise on odd shapes: an unexpected value reads as absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

AS_NS: Final = "https://www.w3.org/ns/activitystreams#"
AS_PUBLIC: Final = AS_NS + "Public"
PUBLIC_ALIASES: Final = frozenset({AS_PUBLIC, "Public", "as:Public"})
"""Every spelling of the public collection seen on the wire."""

ADDRESSING_FIELDS: Final = ("to", "cc", "bto", "bcc", "audience")


def as_list(value: Any) -> list[Any]:
    """Return ``value`` as a list: None -> [], scalar -> [scalar], list -> list without Nones."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [item for item in value if item is not None]
    return [value]


def first(value: Any) -> Any:
    """The first non-None item of ``value`` (scalar or list), or None."""
    items = as_list(value)
    return items[0] if items else None


def get_id(value: Any) -> str | None:
    """The IRI a value points at: a string itself, or an object's ``id`` (or Link ``href``).

    For a list, the first item that has one. Empty strings read as absent.
    """
    for item in as_list(value):
        found = _single_id(item)
        if found:
            return found
    return None


def get_ids(value: Any) -> list[str]:
    """Every IRI in a scalar-or-list value, in order, skipping items without one."""
    return [found for item in as_list(value) if (found := _single_id(item))]


def get_str(value: Any) -> str | None:
    """A plain string from a value that may be a string, a list, or a JSON-LD value object."""
    for item in as_list(value):
        if isinstance(item, str):
            return item
        if isinstance(item, dict) and isinstance(item.get("@value"), str):
            return item["@value"]
    return None


def is_public(addressing: Any) -> bool:
    """True when any addressee (string or object) is the public collection."""
    return any(found in PUBLIC_ALIASES for found in get_ids(addressing))


def audience(doc: dict[str, Any], fields: Iterable[str] = ADDRESSING_FIELDS) -> list[str]:
    """All addressee IRIs of ``doc`` across its addressing fields, deduplicated, in order."""
    seen: dict[str, None] = {}
    for field in fields:
        for found in get_ids(doc.get(field)):
            seen.setdefault(found, None)
    return list(seen)


def has_type(value: Any, *types: str) -> bool:
    """True when the object's ``type`` (string or list) includes one of ``types``."""
    if not isinstance(value, dict):
        return False
    wanted = set(types)
    return any(isinstance(kind, str) and kind in wanted for kind in as_list(value.get("type")))


def _single_id(item: Any) -> str | None:
    if isinstance(item, str):
        return item or None
    if isinstance(item, dict):
        for key in ("id", "href"):
            found = item.get(key)
            if isinstance(found, str) and found:
                return found
    return None
