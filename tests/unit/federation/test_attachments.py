"""Image attachments on the wire: what we send, and reading what others send."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from federation.attachments import MAX_IMAGES, document, read_images

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SHARED = Path(__file__).resolve().parents[4] / "shared" / "fixtures"


def _objects(value: Any) -> list[Any]:
    """Every object nested in a document (posts inside activities, collections...)."""
    found = [value]
    if isinstance(value, dict):
        for item in value.values():
            found += _objects(item)
    elif isinstance(value, list):
        for item in value:
            found += _objects(item)
    return found


def test_every_fixture_is_read_without_error_and_only_http_images_come_out() -> None:
    read = 0
    for folder in (FIXTURES, SHARED):
        for path in sorted(folder.rglob("*.json")):
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                continue
            for obj in _objects(doc):
                for image in read_images(obj):
                    assert image.url.startswith(("http://", "https://")), path
                    assert image.media_type.startswith("image/"), path
                    read += 1
    assert read >= 2


def test_mastodon_and_gotosocial_attachments_are_read() -> None:
    note = json.loads((FIXTURES / "gotosocial" / "note-hashtag-emoji.json").read_text())
    [image] = read_images(note)
    assert image.media_type == "image/jpeg"
    assert image.focal_point == (-0.5, 0.5)
    assert image.blurhash and image.name.startswith("Black and white")
    create = json.loads((FIXTURES / "mastodon" / "create-note-attachment.json").read_text())
    assert read_images(create["object"])


def test_hostile_attachments_are_skipped() -> None:
    good = {"type": "Document", "mediaType": "image/png", "url": "https://x.test/a.png"}
    hostile: list[Any] = [
        {"type": "Document", "mediaType": "image/png", "url": "javascript:alert(1)"},
        {"type": "Document", "mediaType": "image/png", "url": "file:///etc/passwd"},
        {"type": "Document", "mediaType": "video/mp4", "url": "https://x.test/v.mp4"},
        {"type": "Document", "mediaType": "image/png", "url": "https://x.test/a b.png"},
        {"type": "Document", "mediaType": "image/png", "url": "https://x.test/" + "a" * 3000},
        {"type": "Document", "mediaType": "image/png"},
        {"type": "Link", "mediaType": "image/png", "href": "https://x.test/a.png"},
        "https://x.test/a.png",
        None,
        42,
        {"type": ["Document"], "mediaType": ["image/png"], "url": {"href": 5}},
        {
            **good,
            "width": -5,
            "height": True,
            "blurhash": "<script>",
            "focalPoint": [float("inf"), 0],
        },
    ]
    images = read_images({"attachment": hostile})
    assert len(images) == 1
    [image] = images
    assert image.width is None and image.height is None
    assert image.blurhash is None and image.focal_point is None
    assert read_images({"attachment": [good] * 20}) == read_images({"attachment": [good]}) * 8
    assert len(read_images({"attachment": [good] * 20})) == MAX_IMAGES
    assert read_images({"attachment": {"not": "a list"}}) == []
    assert read_images("not an object") == []
    linked = {"type": "Image", "url": [{"type": "Link", "href": "https://x.test/b.webp"}]}
    assert read_images({"attachment": linked})[0].url == "https://x.test/b.webp"


def test_documents_go_out_as_mastodon_sends_them() -> None:
    doc = document(
        url="https://a.test/media/x.jpg",
        media_type="image/jpeg",
        name="a cat",
        width=640,
        height=480,
        blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        focal_point=(0.5, -0.25),
    )
    assert doc == {
        "type": "Document",
        "mediaType": "image/jpeg",
        "url": "https://a.test/media/x.jpg",
        "name": "a cat",
        "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        "focalPoint": [0.5, -0.25],
        "width": 640,
        "height": 480,
    }
    assert read_images({"attachment": [doc]})[0].focal_point == (0.5, -0.25)
