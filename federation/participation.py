"""Answering events over ActivityPub, as Mobilizon does (docs/federation.md, "Events").

- ``Join`` (participant -> organiser): "I am going"; ``object`` is the event's id,
  ``participationMessage`` an optional note. The organiser's server answers
  ``Accept`` or ``Reject`` with the Join embedded, at once for an open event,
  when the organiser decides for one that needs approval, or when a place
  frees up for someone on the waiting list (until then, nothing).
- ``TentativeAccept`` (participant -> organiser): "maybe", ``object`` the event.
  Mobilizon has no "maybe" and ignores it.
- ``Leave`` (participant -> organiser): "not going" after a Join, ``object`` the
  event. Mobilizon sends and reads ``Leave``, not ``Undo(Join)``; we read both.
- ``Invite`` (someone going -> their connections): ``object`` the event (by id, or
  embedded when the organiser invites), ``target`` and ``to`` the invited, as
  AS2's example of an invitation to a party.

Pure builders and one reader; the server decides who may send what.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from federation.activities import activity
from federation.vocab import get_id, get_str

JOIN: Final = "Join"
LEAVE: Final = "Leave"
TENTATIVE_ACCEPT: Final = "TentativeAccept"
MESSAGE_CHARS: Final = 1000


def join(
    activity_id: str, participant: str, event: str, organizer: str, message: str = ""
) -> dict[str, Any]:
    doc = activity(JOIN, activity_id, participant, event, to=[organizer])
    if message:
        doc["participationMessage"] = message[:MESSAGE_CHARS]
    return doc


def leave(activity_id: str, participant: str, event: str, organizer: str) -> dict[str, Any]:
    return activity(LEAVE, activity_id, participant, event, to=[organizer])


def tentative_accept(
    activity_id: str, participant: str, event: str, organizer: str
) -> dict[str, Any]:
    return activity(TENTATIVE_ACCEPT, activity_id, participant, event, to=[organizer])


INVITE: Final = "Invite"


def invite(
    activity_id: str, inviter: str, event: str | dict[str, Any], invitees: list[str]
) -> dict[str, Any]:
    doc = activity(INVITE, activity_id, inviter, event, to=invitees)
    doc["target"] = list(invitees)
    return doc


def answer_join(
    kind: str, activity_id: str, organizer: str, join_id: str, participant: str, event: str
) -> dict[str, Any]:
    """``Accept`` or ``Reject`` of a Join, the Join embedded as Mobilizon expects it."""
    if kind not in ("Accept", "Reject"):
        raise ValueError(f"not an answer: {kind}")
    joined = {"id": join_id, "type": JOIN, "actor": participant, "object": event}
    return activity(kind, activity_id, organizer, joined, to=[participant])


@dataclass(frozen=True, slots=True)
class Answer:
    """A Join, Leave or TentativeAccept as received."""

    id: str
    kind: str
    event: str
    message: str


def read_answer(doc: Mapping[str, Any]) -> Answer | None:
    """A compacted Join, Leave or TentativeAccept; None when its id or event is missing."""
    kind = doc.get("type")
    activity_id, event = get_id(doc.get("id")), get_id(doc.get("object"))
    if kind not in (JOIN, LEAVE, TENTATIVE_ACCEPT) or not activity_id or not event:
        return None
    message = get_str(doc.get("participationMessage")) or ""
    return Answer(activity_id, str(kind), event, message[:MESSAGE_CHARS])
