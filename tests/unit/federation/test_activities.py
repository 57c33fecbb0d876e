"""Builders of what we send: shapes peers read, and that our own door accepts."""

from __future__ import annotations

from federation import activities as ap
from federation.inbox import check_origins
from federation.validate import validate
from federation.vocab import AS_PUBLIC

ACTOR = "https://a.example/users/alice"


def test_an_account_deleting_itself_reads_as_mastodon_sends_it() -> None:
    doc = ap.delete_actor(ACTOR)
    assert {k: v for k, v in doc.items() if k != "@context"} == {
        "id": f"{ACTOR}#delete",
        "type": "Delete",
        "actor": ACTOR,
        "object": ACTOR,
        "to": [AS_PUBLIC],
    }
    validate("activity", doc)
    assert check_origins(doc, ACTOR) == ACTOR
