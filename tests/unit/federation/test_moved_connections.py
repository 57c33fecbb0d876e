"""``wl:movedFrom`` on a Connect, and the readers a move's carrying uses
(``federation/relations.py``, ``federation/moves.py``)."""

from __future__ import annotations

from typing import Any

from federation import moves
from federation import relations as wl
from federation.jsonld import compact_inbound
from federation.jsonld_pyld import compact_with_pyld
from federation.validate import validate

OLD = "https://a.example/users/ann"
NEW = "https://b.example/users/ann"
BEA = "https://c.example/users/bea"


def moved_connect(**extra: Any) -> dict[str, Any]:
    doc = wl.connect(f"{NEW}#connect/1", NEW, BEA, "ann moved", moved_from=OLD)
    doc.update(extra)
    return doc


def test_a_connect_says_where_its_actor_moved_from() -> None:
    doc = moved_connect()
    assert doc["movedFrom"] == OLD and doc["type"] == "Connect"
    validate("activity", doc)
    step = wl.read_step(compact_inbound(doc))
    assert step is not None and step.moved_from == OLD and step.text == "ann moved"
    assert "movedFrom" not in wl.connect(f"{NEW}#connect/2", NEW, BEA, "hi")


def test_moved_from_reads_the_same_through_pyld_and_with_our_prefix() -> None:
    slow = wl.read_step(compact_with_pyld(moved_connect()))
    assert slow is not None and slow.moved_from == OLD  # the slow path agrees
    prefixed = moved_connect()
    del prefixed["movedFrom"]
    prefixed["@context"] = ["https://www.w3.org/ns/activitystreams",
                            {"wl": "https://w3id.org/warmline/ns#"}]  # fmt: skip
    prefixed["type"] = "wl:Connect"
    prefixed["wl:movedFrom"] = {"id": OLD}
    step = wl.read_step(compact_inbound(prefixed))
    assert step is not None and step.type == "Connect" and step.moved_from == OLD


def test_moved_from_that_is_not_an_other_account_reads_as_absent() -> None:
    for value in (NEW, "ann@a.example", 7, ["not a url"], None):
        step = wl.read_step(moved_connect(movedFrom=value))
        assert step is not None and step.moved_from is None, value
    endorse = wl.endorse(f"{NEW}#e/1", NEW, BEA, "Rust") | {"movedFrom": OLD}
    step = wl.read_step(endorse)
    assert step is not None and step.moved_from is None  # only a Connect carries it


def test_moved_to_counts_only_from_the_actors_own_document() -> None:
    doc = {"id": OLD, "type": "Person", "movedTo": NEW}
    assert moves.moved_to_of(doc, OLD) == NEW
    assert moves.moved_to_of(doc | {"movedTo": {"id": NEW}}, OLD) == NEW
    assert moves.moved_to_of(doc, "https://a.example/users/other") is None
    assert moves.moved_to_of({"id": OLD, "type": "Person"}, OLD) is None


def test_a_collection_is_read_page_by_page() -> None:
    linked = {"type": "OrderedCollection", "totalItems": 3, "first": f"{OLD}/connections?page=1"}
    assert moves.first_page(linked) == ([], f"{OLD}/connections?page=1")
    embedded = {
        "type": "OrderedCollection",
        "first": {"orderedItems": [BEA, {"id": NEW}, 5, "mailto:x"], "next": f"{OLD}/c?page=2"},
    }
    assert moves.first_page(embedded) == ([BEA, NEW], f"{OLD}/c?page=2")
    page = {"type": "CollectionPage", "items": [BEA]}
    assert moves.collection_items(page) == [BEA] and moves.next_page(page) is None
    assert moves.first_page({"type": "OrderedCollection", "totalItems": 3}) == ([], None)
