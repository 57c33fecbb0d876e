"""Origin checks on a verified incoming activity: who may say what.

Authority comes only from the verified signer: the activity's ``actor`` must
be the signer, the activity's own id must be on the actor's origin, and an
object that is created, updated or deleted must belong to the actor (its id
on the actor's origin; its ``attributedTo``, when given, the actor). What
an embedded object says about itself is never trusted beyond that: objects
of Announce and Like are fetched from their own origin by the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from federation.client import same_origin
from federation.errors import FederationError
from federation.vocab import as_list, get_id, get_ids

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
AUTHORED = frozenset({"Create", "Update", "Delete"})


class OriginError(FederationError):
    """The activity claims something its signer may not vouch for."""


class NotTheSigner(OriginError):
    """The activity's actor is not the account whose key signed the request."""


def _types(value: Any) -> set[str]:
    """The type names of a document (AS2 allows one or a list of several)."""
    return {kind for kind in as_list(value) if isinstance(kind, str)}


def _require_same_origin(what: str, uri: str | None, actor: str) -> None:
    if not uri or not same_origin(uri, actor):
        raise OriginError(f"{what} {uri!r} is not on the actor's origin")


def check_origins(doc: Mapping[str, Any], signer: str) -> str:
    """Check ``doc`` (compacted) against the ``signer`` actor id; return the actor id."""
    actor = get_id(doc.get("actor"))
    if not actor:
        raise OriginError("the activity names no actor")
    if actor != signer:
        raise NotTheSigner(f"the activity's actor {actor} is not the signer {signer}")
    # Several actors: every one must be the signer (get_id reads only the first).
    others = {get_id(a) for a in as_list(doc.get("actor"))} - {signer}
    if others:
        raise NotTheSigner(f"the activity also names {sorted(map(str, others))[0]} as its actor")
    if doc.get("id") is not None:
        _require_same_origin("the activity id", get_id(doc.get("id")), actor)
    kinds = _types(doc.get("type"))
    obj = doc.get("object")
    for kind in sorted(kinds & AUTHORED):
        _check_authored(kind, obj, actor)
    if "Undo" in kinds:
        _check_undone(obj, actor)
    return actor


def _check_undone(obj: Any, actor: str) -> None:
    if isinstance(obj, Mapping):
        inner_actor = get_id(obj.get("actor"))
        if inner_actor is not None and inner_actor != actor:
            raise OriginError("an Undo may only undo the actor's own activity")
        _require_same_origin("the undone activity", get_id(obj.get("id")), actor)
    else:
        _require_same_origin("the undone activity", get_id(obj), actor)


def _check_authored(kind: str, obj: Any, actor: str) -> None:
    object_id = get_id(obj)
    _require_same_origin(f"the {kind}d object", object_id, actor)
    if not isinstance(obj, Mapping):
        return
    if _types(obj.get("type")) & ACTOR_TYPES:
        if kind != "Delete" and object_id != actor:
            raise OriginError(f"an actor may only {kind.lower()} itself")
        return
    authors = get_ids(obj.get("attributedTo"))
    if authors and actor not in authors:
        raise OriginError(f"the {kind}d object is attributed to someone else")


ACTIVITY_TYPES = frozenset(
    {
        "Accept", "Add", "Announce", "Block", "Create", "Delete", "Dislike", "EmojiReact",
        "Flag", "Follow", "Like", "Move", "Reject", "Remove", "Undo", "Update",
    }
)  # fmt: skip


def primary_type(doc: Mapping[str, Any]) -> str:
    """One type to dispatch on: AS2 allows a list, e.g. ``["Create", "x:Extra"]``.

    The first standard activity type wins, else the first string; the origin
    checks above already applied to every listed type."""
    kinds = [k for k in as_list(doc.get("type")) if isinstance(k, str)]
    return next((k for k in kinds if k in ACTIVITY_TYPES), kinds[0] if kinds else "")
