"""Component schemas of the OpenAPI description: the entities the API answers with.

JSON Schema 2020-12, as OpenAPI 3.1 uses it. They describe what
``server/api/entities.py`` and the Warmline routes shape (see docs/api.md), and
tests check real answers against them.
"""

from __future__ import annotations

from typing import Any

OPEN_TO = ["hiring", "new_role", "mentoring", "investing", "partnering", "speaking"]
VISIBILITY = ["public", "unlisted", "private", "direct"]


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def obj(
    properties: dict[str, Any], *, optional: tuple[str, ...] = (), **extra: Any
) -> dict[str, Any]:
    """An object whose properties are all required except ``optional``."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        **extra,
    }


STR = {"type": "string"}
PLACE_PARTS = ("name", "street", "locality", "region", "postal_code", "country")
NSTR = {"type": ["string", "null"]}
BOOL = {"type": "boolean"}
INT = {"type": "integer"}
COUNT = {"type": "integer", "minimum": 0}
ID = {"type": "string", "pattern": "^[0-9]+$", "description": "a 64-bit id, as a string"}
DATE = {"type": "string", "format": "date-time", "description": "YYYY-MM-DDTHH:MM:SS.sssZ"}
NDATE = {"type": ["string", "null"], "format": "date-time"}
MONTH = {"type": ["string", "null"], "description": "YYYY-MM or YYYY-MM-DD"}
FIELD = obj({"name": STR, "value": STR, "verified_at": NSTR})

WARMLINE_PROFILE = obj(
    {
        "headline": STR,
        "industry": STR,
        "location": STR,
        "open_to": array({"type": "string", "enum": OPEN_TO}),
        "experience": array(
            obj(
                {
                    "title": STR,
                    "organization": STR,
                    "start": MONTH,
                    "end": MONTH,
                    "description": STR,
                },
                optional=("start", "end", "description"),
            )
        ),
        "education": array(
            obj(
                {"school": STR, "degree": STR, "field": STR, "start": MONTH, "end": MONTH},
                optional=("degree", "field", "start", "end"),
            )
        ),
        "skills": array(STR),
        "links": array(obj({"name": STR, "url": STR})),
        "accepts_introductions": BOOL,
    },
    optional=("experience", "education", "skills", "links", "accepts_introductions"),
    description="The professional profile (plain text). Embedded accounts carry only "
    "headline, industry, location and open_to; account pages carry all of it.",
)

SOURCE = obj(
    {
        "privacy": {"type": "string", "enum": VISIBILITY},
        "sensitive": BOOL,
        "language": NSTR,
        "note": STR,
        "fields": array(FIELD),
        "follow_requests_count": COUNT,
        "warmline": obj({"connections_visibility": {"enum": ["public", "connections", "private"]}}),
    },
    description="Only on verify_credentials and update_credentials.",
)

ACCOUNT = obj(
    {
        "id": ID,
        "username": STR,
        "acct": STR,
        "display_name": STR,
        "locked": BOOL,
        "bot": BOOL,
        "discoverable": BOOL,
        "group": BOOL,
        "created_at": DATE,
        "note": {"type": "string", "description": "HTML"},
        "url": STR,
        "uri": STR,
        "avatar": STR,
        "avatar_static": STR,
        "header": STR,
        "header_static": STR,
        "followers_count": COUNT,
        "following_count": COUNT,
        "statuses_count": COUNT,
        "last_status_at": {"type": ["string", "null"], "format": "date"},
        "emojis": array({"type": "object"}),
        "fields": array(FIELD),
        "warmline": ref("WarmlineProfile"),
        "moved": {"type": "object", "description": "the Account it moved to (Mastodon's)"},
        "source": SOURCE,
    },
    optional=("source", "moved"),
)

STATUS = obj(
    {
        "id": ID,
        "uri": STR,
        "url": NSTR,
        "created_at": DATE,
        "account": ref("Account"),
        "content": {"type": "string", "description": "sanitised HTML"},
        "visibility": {"type": "string", "enum": VISIBILITY},
        "sensitive": BOOL,
        "spoiler_text": STR,
        "media_attachments": array({"type": "object"}),
        "application": {"type": ["object", "null"]},
        "mentions": array(obj({"id": ID, "username": STR, "url": STR, "acct": STR})),
        "tags": array(obj({"name": STR, "url": STR})),
        "emojis": array({"type": "object"}),
        "reblogs_count": COUNT,
        "favourites_count": COUNT,
        "replies_count": COUNT,
        "in_reply_to_id": nullable(ID),
        "in_reply_to_account_id": nullable(ID),
        "reblog": nullable(ref("Status")),
        "poll": {"type": ["object", "null"]},
        "card": {"type": ["object", "null"]},
        "language": NSTR,
        "text": {"type": ["string", "null"], "description": "the source, on a delete only"},
        "edited_at": NDATE,
        "favourited": BOOL,
        "reblogged": BOOL,
        "muted": BOOL,
        "bookmarked": BOOL,
        "pinned": BOOL,
        "filtered": array({"type": "object"}),
    }
)

RELATIONSHIP = obj(
    {
        "id": ID,
        **{
            name: BOOL
            for name in (
                "following",
                "showing_reblogs",
                "notifying",
                "followed_by",
                "blocking",
                "blocked_by",
                "muting",
                "muting_notifications",
                "requested",
                "requested_by",
                "domain_blocking",
                "endorsed",
            )
        },
        "languages": {"type": ["array", "null"], "items": STR},
        "note": STR,
    }
)

NOTIFICATION = obj(
    {
        "id": ID,
        "type": {
            "type": "string",
            "description": "mention, favourite, reblog, follow, follow_request, or a "
            "warmline.* type (only when the client asks for them)",
        },
        "created_at": DATE,
        "account": ref("Account"),
        "status": nullable(ref("Status")),
        "warmline": obj({"subject_id": ID}),
    },
    optional=("warmline",),
)

CONNECTION_REQUEST = obj(
    {
        "id": ID,
        "direction": {"enum": ["incoming", "outgoing"]},
        "account": ref("Account"),
        "note": STR,
        "state": {"enum": ["pending", "accepted", "declined", "withdrawn"]},
        "fallback": BOOL,
        "created_at": DATE,
    }
)

INTRODUCTION = obj(
    {
        "id": ID,
        "role": {"enum": ["requester", "introducer", "target"]},
        "state": {
            "enum": ["requested", "forwarded", "accepted", "declined", "withdrawn", "expired"]
        },
        "requester": ref("Account"),
        "introducer": ref("Account"),
        "target": ref("Account"),
        "reason": STR,
        "created_at": DATE,
        "expires_at": DATE,
        "conversation_status_id": nullable(ID),
        "note": {"type": "string", "description": "introducer and target only"},
        "declined_by": {"enum": ["introducer", "target", None], "description": "introducer only"},
    },
    optional=("note", "declined_by"),
)

GROUP = obj(
    {
        "id": {**ID, "description": "the group's account id"},
        "acct": STR,
        "username": STR,
        "uri": {"type": "string", "description": "the Group actor's id"},
        "url": STR,
        "display_name": STR,
        "note": {"type": "string", "description": "HTML"},
        "avatar": STR,
        "membership": {"enum": ["open", "approval"]},
        "members_count": {**COUNT, "description": "for a group elsewhere: members from here"},
        "my_membership": {"enum": ["member", "moderator", "pending", None]},
        "my_role": {"enum": ["owner", "moderator", None]},
        "pending_count": {**COUNT, "description": "requests to join; for moderators only"},
        "local": BOOL,
        "created_at": DATE,
        "account": ref("Account"),
    },
    optional=("pending_count",),
)

COMPONENTS: dict[str, dict[str, Any]] = {
    "Error": obj(
        {"error": STR, "field": {"type": "string", "description": "the parameter, on a 422"}},
        optional=("field",),
    ),
    "Empty": {"type": "object", "maxProperties": 0},
    "WarmlineProfile": WARMLINE_PROFILE,
    "Account": ACCOUNT,
    "Status": STATUS,
    "Context": obj({"ancestors": array(ref("Status")), "descendants": array(ref("Status"))}),
    "Relationship": RELATIONSHIP,
    "Notification": NOTIFICATION,
    "SearchResults": obj(
        {
            "accounts": array(ref("Account")),
            "statuses": array(ref("Status")),
            "hashtags": array({"type": "object"}),
        }
    ),
    "List": obj(
        {
            "id": ID,
            "title": STR,
            "replies_policy": {"type": "string", "enum": ["followed", "list", "none"]},
            "exclusive": BOOL,
        }
    ),
    "FamiliarFollowers": obj({"id": ID, "accounts": array(ref("Account"))}),
    "Connection": obj({"account": ref("Account"), "note": STR, "connected_at": DATE}),
    "ConnectionRequest": CONNECTION_REQUEST,
    "Introduction": INTRODUCTION,
    "Endorsement": obj(
        {
            "id": ID,
            "uri": STR,
            "skill": STR,
            "account": ref("Account"),
            "target_account": ref("Account"),
            "created_at": DATE,
        }
    ),
    "Event": obj(
        {
            "id": ID,
            "uri": STR,
            "url": STR,
            "title": STR,
            "description": STR,
            "starts_at": DATE,
            "ends_at": nullable(DATE),
            "timezone": STR,
            "location": nullable(
                obj(
                    {
                        **{name: nullable(STR) for name in PLACE_PARTS},
                        "latitude": nullable({"type": "number"}),
                        "longitude": nullable({"type": "number"}),
                    }
                )
            ),
            "online_url": nullable(STR),
            "capacity": nullable(COUNT),
            "visibility": {"enum": ["public", "connections", "invited"]},
            "approval_required": {"type": "boolean"},
            "group_id": nullable(ID),
            "organizer": ref("Account"),
            "participants_count": COUNT,
            "waitlist_count": COUNT,
            "my_rsvp": nullable({"enum": ["going", "maybe", "not_going", "waitlisted", "pending"]}),
            "cancelled": {"type": "boolean"},
            "created_at": DATE,
            "updated_at": DATE,
        }
    ),
    "EventAttendee": obj(
        {
            "account": ref("Account"),
            "status": {"enum": ["going", "maybe", "not_going", "waitlisted", "pending"]},
        }
    ),
    "EventParticipant": obj(
        {"account_id": ID, "status": {"enum": ["going", "not_going", "waitlisted"]}}
    ),
    "EventInvites": obj({"invited": array(ID)}),
    "CalendarFeed": obj({"url": STR}),
    "Group": GROUP,
    "GroupMember": obj(
        {
            "account": ref("Account"),
            "role": {
                "enum": ["owner", "moderator", None],
                "description": "null for members, and for every member of a group elsewhere",
            },
        }
    ),
    "GroupRequestDecision": obj({"account_id": ID, "approved": BOOL}),
    "GroupPostRemoval": obj({"status_id": ID, "removed": {"const": True}}),
    "GroupMemberRemoval": obj({"account_id": ID, "removed": {"const": True}, "banned": BOOL}),
    "GroupBan": obj({"account_id": ID, "banned": {"const": False}}),
    "Alias": obj({"uri": {**STR, "description": "the other account's ActivityPub id"}}),
    "MoveResult": obj({"moved_to": ref("Account")}),
    "CarryResult": obj(
        {
            "asked": {**COUNT, "description": "connections elsewhere asked (Connect, movedFrom)"},
            "connected": {**COUNT, "description": "connections here, connected at once"},
            "skipped": {
                **COUNT,
                "description": "already connected or asked, blocked, or not reachable",
            },
        }
    ),
    "Archive": obj(
        {
            "id": ID,
            "state": {"enum": ["none", "pending", "ready", "failed"]},
            "progress": obj({"done": INT, "total": INT}),
            "created_at": DATE,
            "finished_at": nullable(DATE),
            "expires_at": nullable(DATE),
            "size": nullable(INT),
            "url": nullable({**STR, "description": "the ZIP, once ready"}),
            "error": nullable(STR),
        },
        # Before any archive was asked for, only "state": "none" and "url": null.
        optional=("id", "progress", "created_at", "finished_at", "expires_at", "size", "error"),
    ),
    "GroupBanEntry": obj({"account": ref("Account"), "reason": STR, "created_at": DATE}),
    "GroupRole": obj({"account_id": ID, "role": {"enum": ["moderator", "owner", None]}}),
    "LinkedInImportReport": obj(
        {
            "dry_run": BOOL,
            "replace": BOOL,
            "files": array(STR),
            "profile": {
                "type": "object",
                "description": "the profile parts set (or, dry, that would be)",
            },
            "imported": {"type": "object", "additionalProperties": COUNT},
            "connections": obj({"found": COUNT, "matched": COUNT}),
            "warnings": array(STR),
        }
    ),
    "LinkedInContact": obj(
        {
            "id": ID,
            "first_name": STR,
            "last_name": STR,
            "url": NSTR,
            "email": NSTR,
            "company": STR,
            "position": STR,
            "connected_on": NSTR,
            "account": {"oneOf": [ref("Account"), {"type": "null"}]},
            "invite_url": {
                "type": ["string", "null"],
                "description": (
                    "For a contact who is not here (account null) and whose email looks "
                    "like an email address: a mailto: link (RFC 6068, every part "
                    "percent-encoded) with a subject and a short body naming the caller "
                    "and linking to this server's sign-up page, to open in the caller's "
                    "own email program; nothing is sent by the server. Null otherwise, "
                    "and for every contact while sign-ups are closed or need an invite "
                    "link (only admins make those)."
                ),
            },
        }
    ),
    "ImportedRecommendation": obj(
        {
            "id": ID,
            "author": STR,
            "author_title": STR,
            "text": STR,
            "written_on": NSTR,
            "shown": BOOL,
            "source": {"enum": ["linkedin"]},
        }
    ),
    "LinkedInLink": obj({"url": NSTR, "findable": BOOL}),
    "Reason": obj(
        {
            "type": {"enum": ["job_change", "event", "group"]},
            "id": {**STR, "description": "type:subject id, what the dismiss route names"},
            "account": ref("Account"),
            "title": STR,
            "organization": STR,
            "changed_at": DATE,
            "event": ref("Event"),
            "connections_going": COUNT,
            "group": ref("Account"),
            "people_active": COUNT,
            "accounts": array(ref("Account")),
        },
        optional=(
            "account",
            "title",
            "organization",
            "changed_at",
            "event",
            "connections_going",
            "group",
            "people_active",
            "accounts",
        ),
        description="A reason to talk: a connection's new job, an event several connections "
        "attend, a group where people one knows are active",
    ),
    "SkillEndorsements": obj({"skill": STR, "count": COUNT, "endorsers": array(ref("Account"))}),
    "Recommendation": obj(
        {
            "id": ID,
            "uri": STR,
            "state": {"enum": ["pending", "approved", "declined", "withdrawn"]},
            "text": STR,
            "content": STR,
            "account": ref("Account"),
            "target_account": ref("Account"),
            "created_at": DATE,
            "updated_at": DATE,
        }
    ),
    "Suggestion": obj({"account": ref("Account"), "mutual_connections": COUNT}),
    "Degree": obj({"degree": {"enum": [1, 2, None]}, "mutual_connections": array(ref("Account"))}),
    "AdminDomainBlock": obj(
        {
            "id": ID,
            "domain": STR,
            "digest": {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256"},
            "created_at": DATE,
            "severity": {"enum": ["silence", "suspend", "noop"]},
            "reject_media": BOOL,
            "reject_reports": BOOL,
            "private_comment": NSTR,
            "public_comment": NSTR,
            "obfuscate": BOOL,
        }
    ),
    "AdminDomainAllow": obj({"id": ID, "domain": STR, "created_at": DATE}),
    "Report": obj(
        {
            "id": ID,
            "action_taken": BOOL,
            "action_taken_at": nullable(DATE),
            "category": {"enum": ["spam", "legal", "violation", "other"]},
            "comment": STR,
            "forwarded": BOOL,
            "created_at": DATE,
            "status_ids": nullable(array(ID)),
            "rule_ids": nullable(array(ID)),
            "target_account": ref("Account"),
        }
    ),
    "AdminReport": obj(
        {
            "id": ID,
            "action_taken": BOOL,
            "action_taken_at": nullable(DATE),
            "category": {"enum": ["spam", "legal", "violation", "other"]},
            "comment": STR,
            "forwarded": BOOL,
            "created_at": DATE,
            "updated_at": DATE,
            "account": ref("AdminAccount"),
            "target_account": ref("AdminAccount"),
            "assigned_account": nullable(ref("AdminAccount")),
            "action_taken_by_account": nullable(ref("AdminAccount")),
            "statuses": array(ref("Status")),
            "rules": array({"type": "object"}),
        }
    ),
    "AdminAccount": obj(
        {
            "id": ID,
            "username": STR,
            "domain": NSTR,
            "created_at": DATE,
            "email": NSTR,
            "ip": NSTR,
            "ips": array(STR),
            "locale": NSTR,
            "invite_request": NSTR,
            "role": nullable({"type": "object"}),
            "confirmed": BOOL,
            "approved": BOOL,
            "disabled": BOOL,
            "silenced": BOOL,
            "suspended": BOOL,
            "sensitized": BOOL,
            "account": ref("Account"),
        }
    ),
}
