"""Pure builders of the ActivityStreams documents we publish.

They take plain values and return plain dicts ready for ``json.dumps``; no
I/O, no storage types. Readers of incoming documents live in ``vocab.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from federation.jsonld import WARMLINE_OUTPUT_CONTEXT
from federation.profiles import Profile, attachments, headline_paragraph, profile_properties


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with a ``Z``, seconds precision, as Mastodon writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class ActorKeys:
    """The public keys an actor publishes: RSA for draft-cavage, Ed25519 for FEP-521a."""

    rsa_key_id: str
    rsa_public_pem: str
    ed25519_key_id: str
    ed25519_multibase: str


@dataclass(frozen=True, slots=True)
class ActorInfo:
    id: str
    type: str
    preferred_username: str
    name: str
    summary_html: str
    url: str
    inbox: str
    outbox: str
    followers: str
    following: str
    shared_inbox: str
    keys: ActorKeys
    published: datetime
    manually_approves_followers: bool = False
    discoverable: bool = True
    icon_url: str | None = None
    icon_media_type: str = "image/png"
    image_url: str | None = None  # the header picture
    image_media_type: str = "image/png"
    location: str = ""
    fields: Sequence[tuple[str, str]] = field(default_factory=tuple)
    profile: Profile | None = None  # a member's professional profile (federation.profiles)
    updated: datetime | None = None  # when the profile last changed
    extra: dict[str, Any] = field(default_factory=dict)


def property_value(name: str, value_html: str) -> dict[str, str]:
    """A profile field as Mastodon and most servers read it."""
    return {"type": "PropertyValue", "name": name, "value": value_html}


def actor_document(info: ActorInfo) -> dict[str, Any]:
    """The actor document (Person, Application, ...) served at ``info.id``."""
    doc: dict[str, Any] = {
        "@context": WARMLINE_OUTPUT_CONTEXT,
        "id": info.id,
        "type": info.type,
        "preferredUsername": info.preferred_username,
        "name": info.name,
        "summary": headline_paragraph(info.profile.headline) + info.summary_html
        if info.profile
        else info.summary_html,
        "url": info.url,
        "inbox": info.inbox,
        "outbox": info.outbox,
        "followers": info.followers,
        "following": info.following,
        "endpoints": {"sharedInbox": info.shared_inbox},
        "publicKey": {
            "id": info.keys.rsa_key_id,
            "owner": info.id,
            "publicKeyPem": info.keys.rsa_public_pem,
        },
        "assertionMethod": [
            {
                "id": info.keys.ed25519_key_id,
                "type": "Multikey",
                "controller": info.id,
                "publicKeyMultibase": info.keys.ed25519_multibase,
            }
        ],
        "manuallyApprovesFollowers": info.manually_approves_followers,
        "discoverable": info.discoverable,
        "indexable": info.discoverable,
        "published": iso(info.published),
        "attachment": [
            property_value(name, value) for name, value in attachments(info.fields, info.profile)
        ],
    }
    if info.updated is not None:
        doc["updated"] = iso(info.updated)
    if info.profile is not None:
        doc.update(profile_properties(info.profile))
    if info.location:
        doc["location"] = {"type": "Place", "name": info.location}
    if info.icon_url:
        doc["icon"] = {"type": "Image", "mediaType": info.icon_media_type, "url": info.icon_url}
    if info.image_url:
        doc["image"] = {"type": "Image", "mediaType": info.image_media_type, "url": info.image_url}
    doc.update(info.extra)
    return doc


def ordered_collection(
    collection_id: str, total: int, *, first: str | None = None, items: Sequence[Any] | None = None
) -> dict[str, Any]:
    """An ``OrderedCollection``: inline items when given, else a link to the first page."""
    doc: dict[str, Any] = {
        "@context": WARMLINE_OUTPUT_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if items is not None:
        doc["orderedItems"] = list(items)
    elif first is not None:
        doc["first"] = first
    return doc
