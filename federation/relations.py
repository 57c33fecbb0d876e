"""Warmline's relationship activities: connections, introductions, endorsements, recommendations.

Pure builders and readers for the terms of ``contexts/warmline.jsonld``
(docs/vocabulary.md has the examples). Each activity is addressed to the one
party who may act next, carries readable ``content`` so software that does not
know the type still has words to show, and is answered with plain ``Accept``,
``Reject`` or ``Undo`` naming it by id.

``content`` is HTML, as AS2 defines it: the builders take plain text and
escape it; ``read_step`` gives it back as plain text. Our own terms
(``reason``, ``skill``) are plain text.

Readers take compacted documents (``jsonld.compact_inbound``) and return None
when something required is missing, so callers ignore what they cannot use.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from federation.activities import activity
from federation.builders import iso
from federation.vocab import get_id

CONNECT: Final = "Connect"
DISCONNECT: Final = "Disconnect"
REQUEST_INTRODUCTION: Final = "RequestIntroduction"
INTRODUCE: Final = "Introduce"
ENDORSE: Final = "Endorse"
RECOMMEND: Final = "Recommend"
TYPES: Final = frozenset({CONNECT, DISCONNECT, REQUEST_INTRODUCTION, INTRODUCE, ENDORSE, RECOMMEND})

MAX_TEXT: Final = 5000
MAX_SKILL: Final = 100


def connect(
    activity_id: str, actor: str, target: str, note: str, *, moved_from: str | None = None
) -> dict[str, Any]:
    """``actor`` asks ``target`` to connect; ``content`` is the personal note.

    ``moved_from``: the account ``actor`` moved from, which ``target`` was
    connected with (``wl:movedFrom``); a claim the receiver checks, never proof."""
    doc = activity(CONNECT, activity_id, actor, target, to=[target])
    doc["content"] = as_html(note)
    if moved_from:
        doc["movedFrom"] = moved_from
    return doc


def disconnect(activity_id: str, actor: str, peer: str) -> dict[str, Any]:
    """``actor`` ends the connection with ``peer`` (either side may)."""
    return activity(DISCONNECT, activity_id, actor, peer, to=[peer])


def answer(
    kind: str, activity_id: str, actor: str, answered: str, *, to: list[str]
) -> dict[str, Any]:
    """``Accept`` or ``Reject`` of the activity with id ``answered``."""
    if kind not in ("Accept", "Reject"):
        raise ValueError(f"not an answer: {kind}")
    return activity(kind, activity_id, actor, answered, to=to)


def undo_by_id(activity_id: str, actor: str, undone: str, *, to: list[str]) -> dict[str, Any]:
    """``Undo`` of one of the actor's own activities, named by id."""
    return activity("Undo", activity_id, actor, undone, to=to)


def request_introduction(
    activity_id: str,
    requester: str,
    introducer: str,
    target: str,
    reason: str,
    *,
    expires: datetime,
) -> dict[str, Any]:
    """The requester asks the introducer to introduce them to ``target``.

    Its id is the introduction's id for all three parties."""
    doc = activity(REQUEST_INTRODUCTION, activity_id, requester, target, to=[introducer])
    doc.update({"introducer": introducer, "content": as_html(reason), "endTime": iso(expires)})
    return doc


def introduce(
    activity_id: str,
    introducer: str,
    requester: str,
    target: str,
    *,
    introduction: str,
    reason: str,
    note: str,
    expires: datetime,
) -> dict[str, Any]:
    """The introducer introduces ``requester`` to ``target`` (sent to the target only)."""
    doc = activity(INTRODUCE, activity_id, introducer, requester, to=[target])
    doc.update(
        {
            "target": target,
            "introduction": introduction,
            "reason": reason,
            "content": as_html(note),
            "endTime": iso(expires),
        }
    )
    return doc


def endorse(activity_id: str, actor: str, target: str, skill: str) -> dict[str, Any]:
    doc = activity(ENDORSE, activity_id, actor, target, to=[target])
    doc.update({"skill": skill, "content": as_html(f"Endorsed for {skill}")})
    return doc


def recommend(activity_id: str, actor: str, target: str, text: str) -> dict[str, Any]:
    doc = activity(RECOMMEND, activity_id, actor, target, to=[target])
    doc["content"] = as_html(text)
    return doc


# --- readers -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """What a relationship activity says, in the fields our handlers use."""

    id: str
    type: str
    actor: str
    object: str  # the actor, person or activity the step is about
    text: str = ""
    introducer: str | None = None
    target: str | None = None
    introduction: str | None = None
    reason: str = ""
    skill: str = ""
    expires: str | None = None
    moved_from: str | None = None  # a Connect's ``movedFrom``: the account the actor moved from


def read_step(doc: Mapping[str, Any]) -> Step | None:
    """A relationship activity as a Step, or None when it lacks what its type needs."""
    kind = doc.get("type")
    activity_id, actor = get_id(doc.get("id")), get_id(doc.get("actor"))
    obj = get_id(doc.get("object"))
    if kind not in TYPES or not activity_id or not actor or not obj:
        return None
    step = Step(
        id=activity_id,
        type=str(kind),
        actor=actor,
        object=obj,
        text=plain_text(_text(doc.get("content"))),
        introducer=get_id(doc.get("introducer")),
        target=get_id(doc.get("target")),
        introduction=get_id(doc.get("introduction")),
        reason=_text(doc.get("reason")),
        skill=_text(doc.get("skill"))[:MAX_SKILL].strip(),
        expires=doc.get("endTime") if isinstance(doc.get("endTime"), str) else None,
        moved_from=_moved_from(doc) if kind == CONNECT else None,
    )
    if kind == REQUEST_INTRODUCTION and not step.introducer:
        return None
    if kind == INTRODUCE and not (step.target and step.introduction):
        return None
    if kind == ENDORSE and not step.skill:
        return None
    return step


def _moved_from(doc: Mapping[str, Any]) -> str | None:
    """A Connect's ``movedFrom``: one http(s) id other than its actor's, else None."""
    found = get_id(doc.get("movedFrom"))
    if not found or not found.startswith(("https://", "http://")):
        return None
    return None if found == get_id(doc.get("actor")) else found


def _text(value: Any) -> str:
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def as_html(text: str) -> str:
    """Plain text as an HTML paragraph (line breaks kept), escaped."""
    if not text:
        return ""
    return "<p>" + html.escape(text).replace("\n", "<br>") + "</p>"


def plain_text(value: str) -> str:
    """The text of an HTML ``content``: tags dropped, entities decoded.

    Callers that show it escape it again; nothing here is trusted as markup."""
    spaced = _BREAKS.sub("\n", value)
    return html.unescape(_TAGS.sub("", spaced)).strip()


_BREAKS = re.compile(r"<br\s*/?>|</p>\s*<p>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
