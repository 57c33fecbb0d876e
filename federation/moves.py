"""Moving an account to another server, as Mastodon does it.

The new account first names the old one in ``alsoKnownAs``; the old account
then sends ``Move`` (``object`` itself, ``target`` the new account) to its
followers and publishes ``movedTo``. A follower's server believes a Move only
when the signer is the account that moves and the target, fetched from its own
origin, names the old account in ``alsoKnownAs``: the activity alone proves
nothing about the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from federation.activities import activity
from federation.vocab import as_list, get_id

MAX_ALIASES = 10  # as Mastodon allows


def move(activity_id: str, actor: str, target: str, followers: str) -> dict[str, Any]:
    """``actor`` moves to ``target``; addressed to its followers."""
    doc = activity("Move", activity_id, actor, actor, to=[followers])
    doc["target"] = target
    return doc


@dataclass(frozen=True, slots=True)
class MoveClaim:
    """What a Move says: ``old`` (its signer) moves to ``new`` (still to be checked)."""

    old: str
    new: str


def read_move(doc: Mapping[str, Any], signer: str) -> MoveClaim | None:
    """The claim of a Move signed by ``signer``, or None when it is not one an
    account made about itself (another object, no target, a target that is the
    account itself)."""
    old, new = get_id(doc.get("object")), get_id(doc.get("target"))
    if old != signer or get_id(doc.get("actor")) != signer or not new or new == old:
        return None
    return MoveClaim(old, new)


def aliases_of(actor_doc: Mapping[str, Any]) -> list[str]:
    """The ``alsoKnownAs`` of an actor document: ids only (strings, or objects
    with an ``id``), at most a few dozen; anything else is left out."""
    found = [get_id(a) for a in as_list(actor_doc.get("alsoKnownAs"))[:50]]
    return [a for a in dict.fromkeys(found) if isinstance(a, str) and a.startswith("http")]


def confirms(target_doc: Mapping[str, Any], claim: MoveClaim, final_url: str) -> bool:
    """Whether the target's own document (fetched from ``final_url``) is the
    account the Move names and names the old account among its aliases."""
    target_id = get_id(target_doc.get("id"))
    if target_id != claim.new or final_url.split("#")[0] != claim.new.split("#")[0]:
        return False
    return claim.old in aliases_of(target_doc)


def moved_to_of(actor_doc: Mapping[str, Any], fetched_from: str) -> str | None:
    """The ``movedTo`` of an actor document fetched from ``fetched_from`` (its final
    URL), when the document is the actor that URL names; else None."""
    actor_id = get_id(actor_doc.get("id"))
    if not actor_id or actor_id.split("#")[0] != fetched_from.split("#")[0]:
        return None
    return get_id(actor_doc.get("movedTo"))


# --- reading a collection (an old account's connections) ----------------------------


def collection_items(doc: Mapping[str, Any]) -> list[str]:
    """The ids in a collection or page's ``orderedItems`` (or ``items``); others left out."""
    raw = doc.get("orderedItems", doc.get("items"))
    found = [get_id(item) for item in as_list(raw)]
    return [i for i in found if isinstance(i, str) and i.startswith(("https://", "http://"))]


def first_page(doc: Mapping[str, Any]) -> tuple[list[str], str | None]:
    """A collection's own items and the URL of the page to fetch next: its
    ``first`` (when it is a link), or an embedded first page's ``next``."""
    items = collection_items(doc)
    first = doc.get("first")
    if isinstance(first, Mapping):
        return items + collection_items(first), get_id(first.get("next"))
    return items, get_id(first)


def next_page(page: Mapping[str, Any]) -> str | None:
    return get_id(page.get("next"))
