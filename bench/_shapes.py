"""The @context shapes peers send, as fresh Create(Note)s to ``alice``.

Each shape is a real document (``bench/fixtures/``, see its README) with the
sending software's ``@context`` and fields. :func:`create_note` rewrites one
for a benchmark sender: the fixture's origin and actor become the sender's,
every id is new (a repeated activity id is a redelivery and is not stored
again), it is public with alice in ``cc`` and a Mention of her (so the inbox
worker keeps it), and it replies to nothing (the worker would fetch the
parent). Everything else the software writes stays as it was.
"""

from __future__ import annotations

import copy
import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
LEMMY_CONTEXT = ["https://join-lemmy.org/context.json", "https://www.w3.org/ns/activitystreams"]

# name -> (fixture file, @context to send when the fixture has none)
SHAPES: dict[str, tuple[str, object]] = {
    "mastodon": ("mastodon-create-note.json", None),
    "misskey": ("misskey-create-note.json", None),
    "pleroma/akkoma": ("pleroma-create-note.json", None),
    "gotosocial": ("gotosocial-create-note.json", None),
    "pixelfed": ("pixelfed-note.json", None),
    "lemmy": ("lemmy-create-comment.json", LEMMY_CONTEXT),
    "plain AS": ("plain-as-create-note.json", None),
}
# Fields that point at things the benchmark's peer does not serve.
_DROP = ("signature", "audience", "context_id")


@functools.cache
def _template(name: str) -> tuple[dict, str, str]:
    """The fixture as a Create, its actor and its origin."""
    file, context = SHAPES[name]
    doc = json.loads((FIXTURES / file).read_text())
    if doc.get("type") != "Create":  # a bare Note (Pixelfed's): wrap it as it is sent
        note = {k: v for k, v in doc.items() if k != "@context"}
        doc = {
            "@context": doc["@context"],
            "id": note["id"] + "/activity",
            "type": "Create",
            "actor": note["attributedTo"],
            "published": note.get("published"),
            "to": note.get("to"),
            "cc": note.get("cc"),
            "object": note,
        }
    if context is not None:
        doc = {"@context": context, **doc}
    actor = doc["actor"]
    parts = urlsplit(actor)
    return doc, actor, f"{parts.scheme}://{parts.netloc}"


def create_note(shape: str, actor: str, seq: int, alice: str, alice_handle: str) -> dict:
    """A fresh public Create(Note) of ``shape`` from ``actor`` mentioning alice."""
    template, old_actor, old_origin = _template(shape)
    peer = f"{urlsplit(actor).scheme}://{urlsplit(actor).netloc}"
    text = json.dumps(template).replace(old_actor, actor).replace(old_origin, peer)
    doc = json.loads(text)
    for key in _DROP:
        doc.pop(key, None)
    note = doc["object"]
    for key in _DROP:
        note.pop(key, None)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    note_id = f"{actor}/statuses/{seq}"
    cc = [f"{actor}/followers", alice]
    mention = {"type": "Mention", "href": alice, "name": alice_handle}
    tags = note.get("tag") or []
    tags = [t for t in (tags if isinstance(tags, list) else [tags]) if t.get("type") != "Mention"]
    note.update(
        id=note_id,
        attributedTo=actor,
        published=now,
        to=[PUBLIC],
        cc=cc,
        inReplyTo=None,
        tag=[mention, *tags],
    )
    if "url" in note:
        note["url"] = f"{peer}/@{seq}"
    if "atomUri" in note:
        note["atomUri"] = note_id
    if isinstance(note.get("replies"), dict):
        note.pop("replies")
    doc.update(id=f"{note_id}/activity", actor=actor, published=now, to=[PUBLIC], cc=cc)
    return copy.deepcopy(doc)
