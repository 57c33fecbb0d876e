"""The JSON documents of an archive other than the outbox: the actor as
Mastodon's archive has it, and Warmline's own (``warmline/*.json``): the
professional profile, connections, endorsements and recommendations.

People appear as ``{"acct", "uri", "name"}`` so the files mean something
without this server: ``uri`` is the ActivityPub id to follow or connect again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from server.services import actors, objects
from server.services.context import Services
from server.store import archives as q
from server.store import connections as connections_q
from server.store import linkedin as linkedin_q
from server.store.accounts import AccountRow
from server.store.connections import ConnectionRow

AVATAR, HEADER = "avatar", "header"
PAGE = 500


def when(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def person(svc: Services, account: AccountRow) -> dict[str, str]:
    return {
        "acct": objects.acct(svc, account),
        "uri": objects.account_uri(svc, account),
        "name": account.display_name or account.username,
    }


def picture_name(kind: str, path: str | None) -> str | None:
    """``avatar.png``/``header.jpg`` for a local picture path; None without one."""
    if not path or not path.startswith("/media/") or "." not in path:
        return None
    return f"{kind}.{path.rsplit('.', 1)[1]}"


async def actor(svc: Services, account: AccountRow) -> dict[str, Any]:
    """The actor document, its links pointing into the archive as Mastodon's do."""
    doc = await actors.actor_document(svc, account)
    for key, kind, path in (
        ("icon", AVATAR, account.avatar_url),
        ("image", HEADER, account.header_url),
    ):
        name = picture_name(kind, path)
        if name and isinstance(doc.get(key), dict):
            doc[key] = {**doc[key], "url": name}
    doc.update(outbox="outbox.json", likes="likes.json", bookmarks="bookmarks.json")
    return doc


async def profile(svc: Services, conn: AsyncConnection, account: AccountRow) -> dict[str, Any]:
    extras = await linkedin_q.get_extras(conn, account.id)
    link = await linkedin_q.get_link(conn, account.id)
    return {
        "account": person(svc, account),
        "display_name": account.display_name,
        "headline": account.headline,
        "summary_html": account.summary,
        "location": account.location,
        "industry": account.industry,
        "open_to": account.open_to,
        "experience": account.experience,
        "education": account.education,
        "skills": account.skills,
        "languages": extras["languages"],
        "certifications": extras["certifications"],
        "links": account.links,
        "fields": account.fields,
        "linkedin": {"url": link[0], "findable": link[1]} if link else None,
        "accepts_introductions": account.accepts_introductions,
        "connections_visibility": account.connections_visibility,
        "locked": account.locked,
        "discoverable": account.discoverable,
        "created_at": when(account.created_at),
    }


async def all_connections(conn: AsyncConnection, account: AccountRow) -> list[ConnectionRow]:
    found: list[ConnectionRow] = []
    while True:
        page = await connections_q.list_connections(conn, account.id, limit=PAGE, offset=len(found))
        found += page
        if len(page) < PAGE:
            return found


def connections(svc: Services, found: list[ConnectionRow]) -> dict[str, Any]:
    items = [
        {**person(svc, c.peer), "note": c.note, "connected_at": when(c.created_at)} for c in found
    ]
    return {"totalItems": len(items), "items": items}


async def endorsements(svc: Services, conn: AsyncConnection, account: AccountRow) -> dict[str, Any]:
    def listed(pairs: list[Any], role: str) -> list[dict[str, Any]]:
        return [
            {"skill": row.skill, role: person(svc, other), "created_at": when(row.created_at)}
            for row, other in pairs
        ]

    received = await q.endorsements_with(conn, account.id, received=True)
    given = await q.endorsements_with(conn, account.id, received=False)
    return {"received": listed(received, "by"), "given": listed(given, "to")}


async def recommendations(
    svc: Services, conn: AsyncConnection, account: AccountRow
) -> dict[str, Any]:
    def listed(pairs: list[Any], role: str) -> list[dict[str, Any]]:
        return [
            {
                role: person(svc, other),
                "text": row.text,
                "state": row.state,
                "created_at": when(row.created_at),
            }
            for row, other in pairs
        ]

    received = await q.recommendations_with(conn, account.id, received=True)
    written = await q.recommendations_with(conn, account.id, received=False)
    imported = await linkedin_q.list_recommendations(conn, account.id)
    return {
        "received": listed(received, "from"),
        "written": listed(written, "to"),
        # Quotes a LinkedIn export brought: nobody signed them here.
        "imported_from_linkedin": [
            {
                "author": r.author,
                "author_title": r.author_title,
                "text": r.text,
                "written_on": r.written_on,
                "shown_on_profile": r.shown,
                "signed_by_author": False,
            }
            for r in imported
        ],
    }


async def linkedin_contacts(conn: AsyncConnection, account: AccountRow) -> dict[str, Any]:
    """The contacts a LinkedIn import brought (private to the member, as here)."""
    items: list[dict[str, Any]] = []
    while True:
        found = await linkedin_q.list_contacts(conn, account.id, limit=PAGE, offset=len(items))
        items += [
            {
                "first_name": c.first_name,
                "last_name": c.last_name,
                "email": c.email,
                "company": c.company,
                "position": c.position,
                "connected_on": c.connected_on,
            }
            for c in found
        ]
        if len(found) < PAGE:
            break
    return {"totalItems": len(items), "items": items}
