"""Processing stored incoming activities: one small handler per activity type.

The door has verified who sent each activity and that it may speak for what it
touches; handlers apply it to our data. A handler that cannot finish (a peer
is down while we fetch something) raises, and the inbox worker retries later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from server.services import moves, reports
from server.services.context import Services
from server.services.inbound import (
    blocks,
    endorsements,
    events,
    follows,
    notes,
    reactions,
    relations,
)

Handler = Callable[[Services, dict[str, Any], str], Awaitable[None]]

HANDLERS: dict[str, Handler] = {
    "Follow": follows.on_follow,
    "Accept": relations.on_answer,
    "Reject": relations.on_answer,
    "Create": notes.on_create,
    "Update": notes.on_update,
    "Delete": notes.on_delete,
    "Like": reactions.on_like,
    "Announce": reactions.on_announce,
    "Undo": relations.on_undo,
    "Connect": relations.on_connect,
    "Disconnect": relations.on_disconnect,
    "RequestIntroduction": relations.on_request_introduction,
    "Introduce": relations.on_introduce,
    "Endorse": endorsements.on_endorse,
    "Recommend": endorsements.on_recommend,
    "Block": blocks.on_block,
    "Flag": reports.on_flag,
    "Join": events.on_participation,
    "Leave": events.on_participation,
    "TentativeAccept": events.on_participation,
    "Invite": events.on_invite,
    "Move": moves.on_move,
}


async def process(svc: Services, doc: dict[str, Any], actor: str) -> None:
    """Apply one verified activity; types we do not handle are ignored."""
    handler = HANDLERS.get(str(doc.get("type")))
    if handler is not None:
        await handler(svc, doc, actor)
