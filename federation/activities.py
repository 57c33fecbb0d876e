"""Pure builders of the activities and objects we send.

Addressing follows Mastodon's conventions so every server reads visibility the
same way: public (to Public, cc followers), unlisted (to followers, cc Public),
private (to followers), direct (to the mentioned actors only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from federation.builders import iso
from federation.jsonld import WARMLINE_OUTPUT_CONTEXT
from federation.jsonld_contexts import EVENT_OUTPUT_CONTEXT
from federation.vocab import AS_PUBLIC

VISIBILITIES = ("public", "unlisted", "private", "direct")


def addressing(
    visibility: str, followers: str, mentioned: Sequence[str]
) -> tuple[list[str], list[str]]:
    """``(to, cc)`` for a post of ``visibility`` by an actor with ``followers``."""
    others = list(dict.fromkeys(mentioned))
    if visibility == "public":
        return [AS_PUBLIC], [followers, *others]
    if visibility == "unlisted":
        return [followers], [AS_PUBLIC, *others]
    if visibility == "private":
        return [followers], others
    if visibility == "direct":
        return others, []
    raise ValueError(f"unknown visibility {visibility!r}")


@dataclass(frozen=True, slots=True)
class NoteInfo:
    id: str
    type: str  # Note or Article
    attributed_to: str
    content_html: str
    url: str
    published: datetime
    to: Sequence[str]
    cc: Sequence[str]
    in_reply_to: str | None = None
    summary: str | None = None
    sensitive: bool = False
    updated: datetime | None = None
    language: str | None = None
    mentions: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (href, @name)
    hashtags: Sequence[tuple[str, str]] = field(default_factory=tuple)  # (href, #name)
    replies: str | None = None
    attachments: Sequence[dict[str, Any]] = field(default_factory=tuple)  # attachments.document()


def note(info: NoteInfo, *, with_context: bool = True) -> dict[str, Any]:
    """A Note or Article object."""
    doc: dict[str, Any] = {"@context": WARMLINE_OUTPUT_CONTEXT} if with_context else {}
    doc.update(
        {
            "id": info.id,
            "type": info.type,
            "attributedTo": info.attributed_to,
            "inReplyTo": info.in_reply_to,
            "summary": info.summary or None,
            "sensitive": info.sensitive,
            "content": info.content_html,
            "published": iso(info.published),
            "url": info.url,
            "to": list(info.to),
            "cc": list(info.cc),
            "tag": [{"type": "Mention", "href": h, "name": n} for h, n in info.mentions]
            + [{"type": "Hashtag", "href": h, "name": n} for h, n in info.hashtags],
            "attachment": list(info.attachments),
        }
    )
    if info.language:
        doc["contentMap"] = {info.language: info.content_html}
    if info.updated:
        doc["updated"] = iso(info.updated)
    if info.replies:
        doc["replies"] = info.replies
    return doc


def tombstone(
    object_id: str, *, deleted: datetime | None = None, former_type: str = "Note"
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": WARMLINE_OUTPUT_CONTEXT,
        "id": object_id,
        "type": "Tombstone",
    }
    doc["formerType"] = former_type
    if deleted:
        doc["deleted"] = iso(deleted)
    return doc


def activity(
    type_: str,
    activity_id: str,
    actor: str,
    obj: Any,
    *,
    to: Sequence[str] = (),
    cc: Sequence[str] = (),
    published: datetime | str | None = None,
) -> dict[str, Any]:
    """An activity; an embedded object loses its own ``@context``. An object whose
    context extends ours (an Event's) lends it to the activity, so a JSON-LD
    reader still knows the object's terms."""
    context: Any = WARMLINE_OUTPUT_CONTEXT
    if isinstance(obj, dict):
        if obj.get("@context") == EVENT_OUTPUT_CONTEXT:
            context = EVENT_OUTPUT_CONTEXT
        obj = {k: v for k, v in obj.items() if k != "@context"}
    doc: dict[str, Any] = {
        "@context": context,
        "id": activity_id,
        "type": type_,
        "actor": actor,
        "object": obj,
    }
    if to:
        doc["to"] = list(to)
    if cc:
        doc["cc"] = list(cc)
    if published:
        doc["published"] = published if isinstance(published, str) else iso(published)
    return doc


def create(note_doc: dict[str, Any], activity_id: str) -> dict[str, Any]:
    """Create of a note, addressed like the note itself."""
    return activity(
        "Create",
        activity_id,
        note_doc["attributedTo"],
        note_doc,
        to=note_doc["to"],
        cc=note_doc["cc"],
        published=note_doc["published"],
    )


def follow(activity_id: str, actor: str, target: str) -> dict[str, Any]:
    return activity("Follow", activity_id, actor, target, to=[target])


def accept_follow(activity_id: str, actor: str, follow_doc: dict[str, Any]) -> dict[str, Any]:
    """Accept embedding the Follow (its id is what the follower matches on)."""
    return activity("Accept", activity_id, actor, follow_doc, to=[follow_doc["actor"]])


def reject_follow(activity_id: str, actor: str, follow_doc: dict[str, Any]) -> dict[str, Any]:
    return activity("Reject", activity_id, actor, follow_doc, to=[follow_doc["actor"]])


def block(activity_id: str, actor: str, target: str) -> dict[str, Any]:
    """``actor`` blocks ``target``; sent to the target alone (Mastodon drops follows both ways)."""
    return activity("Block", activity_id, actor, target, to=[target])


def undo(
    activity_id: str,
    actor: str,
    undone: dict[str, Any],
    *,
    to: Sequence[str],
    cc: Sequence[str] = (),
) -> dict[str, Any]:
    return activity("Undo", activity_id, actor, undone, to=to, cc=cc)


def like(activity_id: str, actor: str, object_id: str, *, to: Sequence[str]) -> dict[str, Any]:
    return activity("Like", activity_id, actor, object_id, to=to)


def announce(
    activity_id: str,
    actor: str,
    object_id: str,
    *,
    to: Sequence[str],
    cc: Sequence[str],
    published: datetime,
) -> dict[str, Any]:
    return activity("Announce", activity_id, actor, object_id, to=to, cc=cc, published=published)


def delete(
    activity_id: str, actor: str, object_id: str, *, to: Sequence[str], cc: Sequence[str]
) -> dict[str, Any]:
    obj = {"id": object_id, "type": "Tombstone"}
    return activity("Delete", activity_id, actor, obj, to=to, cc=cc)


def delete_actor(actor: str) -> dict[str, Any]:
    """An account deleting itself, as Mastodon sends it: the object is the
    actor's own id, the activity public (a server may send it to every inbox it knows)."""
    return activity("Delete", f"{actor}#delete", actor, actor, to=[AS_PUBLIC])


def update(
    activity_id: str, actor: str, obj: dict[str, Any], *, to: Sequence[str], cc: Sequence[str]
) -> dict[str, Any]:
    return activity("Update", activity_id, actor, obj, to=to, cc=cc)
