"""Bundled JSON-LD contexts, the offline document loader, and the context Warmline sends.

Contexts are bundled files (contexts/README.md). Nothing here fetches a URL:
an unknown context resolves to an empty one, so what it would define is simply
not understood.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Final

AS2_CONTEXT: Final = "https://www.w3.org/ns/activitystreams"
SECURITY_V1_CONTEXT: Final = "https://w3id.org/security/v1"
DATA_INTEGRITY_V1_CONTEXT: Final = "https://w3id.org/security/data-integrity/v1"
MULTIKEY_V1_CONTEXT: Final = "https://w3id.org/security/multikey/v1"
WARMLINE_CONTEXT: Final = "https://w3id.org/warmline/v1"
WARMLINE_NS: Final = "https://w3id.org/warmline/ns#"

# Context URL without scheme, fragment, trailing slash or ".jsonld" -> bundled file.
_BUNDLED: Final[Mapping[str, str]] = MappingProxyType(
    {
        "www.w3.org/ns/activitystreams": "activitystreams.jsonld",
        "w3id.org/security/v1": "security-v1.jsonld",
        "w3id.org/security/multikey/v1": "multikey-v1.jsonld",
        "w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
        "w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
        "www.w3.org/ns/did/v1": "did-v1.jsonld",
        "w3id.org/identity/v1": "identity-v1.jsonld",
        "purl.archive.org/socialweb/webfinger": "webfinger.jsonld",
        "gotosocial.org/ns": "gotosocial.jsonld",
        "w3id.org/warmline/v1": "warmline.jsonld",
    }
)
_LITEPUB_PATH: Final = "/schemas/litepub-0.1"  # Pleroma serves it from every instance
_LITEPUB_FILE: Final = "litepub-0.1.jsonld"
AS2_FILE: Final = "activitystreams.jsonld"
INBOUND_FILE: Final = "inbound-terms.jsonld"  # terms we read from others but never send

WARMLINE_OUTPUT_CONTEXT: Final[list[Any]] = [
    AS2_CONTEXT,
    SECURITY_V1_CONTEXT,
    DATA_INTEGRITY_V1_CONTEXT,
    MULTIKEY_V1_CONTEXT,
    {
        # Mastodon's extension terms, defined exactly as Mastodon defines them.
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "sensitive": "as:sensitive",
        "Hashtag": "as:Hashtag",
        "movedTo": {"@id": "as:movedTo", "@type": "@id"},
        "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
        "toot": "http://joinmastodon.org/ns#",
        "Emoji": "toot:Emoji",
        "featured": {"@id": "toot:featured", "@type": "@id"},
        "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
        "schema": "http://schema.org#",
        "PropertyValue": "schema:PropertyValue",
        "value": "schema:value",
        "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
        "blurhash": "toot:blurhash",
        "discoverable": "toot:discoverable",
        "indexable": "toot:indexable",
        "memorial": "toot:memorial",
        "suspended": "toot:suspended",
        "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
        # FEP-521a key purposes, as did/v1 defines it (multikey/v1 does not).
        "assertionMethod": {
            "@id": "https://w3id.org/security#assertionMethod",
            "@type": "@id",
            "@container": "@set",
        },
        # Warmline's terms (profile, connections, introductions, endorsements,
        # recommendations): the same definitions as contexts/warmline.jsonld.
        "wl": WARMLINE_NS,
        "headline": "wl:headline",
        "industry": "wl:industry",
        "openTo": {"@id": "wl:openTo", "@container": "@set"},
        "Experience": "wl:Experience",
        "experience": {"@id": "wl:experience", "@type": "@id"},
        "Education": "wl:Education",
        "education": {"@id": "wl:education", "@type": "@id"},
        "title": "wl:title",
        "organization": "wl:organization",
        "startDate": "wl:startDate",
        "endDate": "wl:endDate",
        "description": "wl:description",
        "school": "wl:school",
        "degree": "wl:degree",
        "fieldOfStudy": "wl:fieldOfStudy",
        "skills": {"@id": "wl:skills", "@container": "@list"},
        "Language": "wl:Language",
        "languages": {"@id": "wl:languages", "@type": "@id"},
        "proficiency": "wl:proficiency",
        "Certification": "wl:Certification",
        "certifications": {"@id": "wl:certifications", "@type": "@id"},
        "authority": "wl:authority",
        "licenseNumber": "wl:licenseNumber",
        "links": {"@id": "wl:links", "@container": "@list"},
        "connections": {"@id": "wl:connections", "@type": "@id"},
        "acceptsIntroductions": "wl:acceptsIntroductions",
        "Connect": "wl:Connect",
        "Disconnect": "wl:Disconnect",
        "RequestIntroduction": "wl:RequestIntroduction",
        "Introduce": "wl:Introduce",
        "introducer": {"@id": "wl:introducer", "@type": "@id"},
        "introduction": {"@id": "wl:introduction", "@type": "@id"},
        "reason": "wl:reason",
        "Endorse": "wl:Endorse",
        "skill": "wl:skill",
        "Recommend": "wl:Recommend",
        "movedFrom": {"@id": "wl:movedFrom", "@type": "@id"},
    },
]
"""The ``@context`` of every document Warmline sends. Treat it as read-only.

Only standard context URLs (some peers try to download any other, see
interop-notes.md); Warmline's own terms travel inline.
"""


EVENT_TERMS: Final[Mapping[str, str]] = MappingProxyType(
    {
        # What an Event adds, named and defined as Mobilizon names them (its
        # context, less the type coercions) and as contexts/inbound-terms.jsonld
        # reads them; relies on the "schema" prefix of WARMLINE_OUTPUT_CONTEXT.
        "mz": "https://joinmobilizon.org/ns#",
        "ical": "http://www.w3.org/2002/12/cal/ical#",
        "PostalAddress": "schema:PostalAddress",
        "address": "schema:address",
        "streetAddress": "schema:streetAddress",
        "addressLocality": "schema:addressLocality",
        "addressRegion": "schema:addressRegion",
        "postalCode": "schema:postalCode",
        "addressCountry": "schema:addressCountry",
        "maximumAttendeeCapacity": "schema:maximumAttendeeCapacity",
        "remainingAttendeeCapacity": "schema:remainingAttendeeCapacity",
        "timezone": "mz:timezone",
        "joinMode": "mz:joinMode",
        "participantCount": "mz:participantCount",
        "isOnline": "mz:isOnline",
        "status": "ical:status",
    }
)

EVENT_OUTPUT_CONTEXT: Final[list[Any]] = [*WARMLINE_OUTPUT_CONTEXT, dict(EVENT_TERMS)]
"""The ``@context`` of an Event we send: ours plus one object of event terms, appended
as Mobilizon does, so Note documents keep theirs unchanged. Treat it as read-only."""

SCHEMA_NS: Final = "http://schema.org#"
SCHEMA_SPELLINGS: Final = (
    SCHEMA_NS,
    "https://schema.org/",
    "http://schema.org/",
    "https://schema.org#",
)
"""schema.org as peers spell it: Mastodon and Mobilizon with "#", PeerTube and Mitra
with "http://.../", FEP-8a8e with "https://.../". One vocabulary; all read alike."""

INBOUND_ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # schema.org's names for what AS2 names too (Mobilizon's location is sc:location).
        "http://schema.org#location": "location",
        "http://schema.org#Place": "Place",
        "http://schema.org#latitude": "latitude",
        "http://schema.org#longitude": "longitude",
        # FEP-8a8e's names for Mobilizon's event terms (and its timezone example's).
        "https://w3id.org/fep/8a8e/timezone": "timezone",
        "http://www.w3.org/2006/time#timezone": "timezone",
        "https://w3id.org/fep/8a8e/joinMode": "joinMode",
        "https://w3id.org/fep/8a8e/externalParticipationUrl": "externalParticipationUrl",
        "http://schema.org#eventStatus": "eventStatus",  # FEP-8a8e's is "almost identical"
    }
)
"""IRIs that mean a canonical term they are not: compact_inbound() reads them as that
term (see jsonld_pyld.inbound_aliases, which adds schema.org's other spellings)."""


def bundled_context_file(url: str) -> str | None:
    """The bundled file that stands for context ``url`` (http/https, slash and .jsonld alike)."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return None
    host, slash, path = rest.split("#", 1)[0].rstrip("/").removesuffix(".jsonld").partition("/")
    key = host.lower() + slash + path
    if key in _BUNDLED:
        return _BUNDLED[key]
    return _LITEPUB_FILE if path and slash + path == _LITEPUB_PATH else None


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader: bundled contexts only, never the network.

    An unknown URL is answered with an empty context, so its terms stay undefined.
    """
    name = bundled_context_file(url)
    remote: dict[str, Any] = {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": {"@context": {}} if name is None else copy.deepcopy(read_bundled(name)),
    }
    if name is not None:
        remote["tag"] = "static"  # lets our resolver cache keep it
    return remote


@functools.cache
def read_bundled(name: str) -> dict[str, Any]:
    return json.loads(files("federation.contexts").joinpath(name).read_text(encoding="utf-8"))
