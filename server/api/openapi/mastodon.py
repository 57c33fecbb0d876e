"""Operations metadata for the Mastodon-compatible routes (see ``ops.py``)."""

from __future__ import annotations

from server.api.openapi.ops import (
    BOOL,
    ID,
    STR,
    Op,
    Table,
    actions,
    enum,
    ids,
    intrange,
    op,
    paging,
    public,
    text,
)  # fmt: skip
from server.api.openapi.schemas import OPEN_TO, VISIBILITY, array, obj

A, S, T, N, P = "Accounts", "Statuses", "Timelines", "Notifications", "Personal"
ACC = "/api/v1/accounts/{id}"
STATUS = "/api/v1/statuses/{id}"

DATE_PART = {"type": ["string", "null"], "pattern": r"^\d{4}-\d{2}(-\d{2})?$"}
PROFILE_BODY = {
    "display_name": text(100),
    "note": text(5000),
    "locked": BOOL,
    "discoverable": BOOL,
    "fields_attributes": array(obj({"name": text(255), "value": text(2047)})),
    "warmline": {
        "type": "object",
        "properties": {
            "headline": text(200),
            "industry": text(100),
            "location": text(100),
            "open_to": {"type": "array", "items": enum(*OPEN_TO)},
            "experience": {
                "type": "array",
                "maxItems": 30,
                "items": obj(
                    {
                        "title": text(200),
                        "organization": text(200),
                        "start": DATE_PART,
                        "end": DATE_PART,
                        "description": text(2000),
                    },
                    optional=("start", "end", "description"),
                ),
            },
            "education": {
                "type": "array",
                "maxItems": 20,
                "items": obj(
                    {"school": text(200), "degree": text(200), "field": text(200)},
                    optional=("degree", "field"),
                ),
            },
            "skills": {"type": "array", "maxItems": 50, "items": text(80)},
            "links": {
                "type": "array",
                "maxItems": 10,
                "items": obj({"name": text(100), "url": {"type": "string", "format": "uri"}}),
            },
            "connections_visibility": enum("public", "connections", "private"),
            "accepts_introductions": BOOL,
        },
    },
}
STATUS_BODY = {
    "status": text(5000),
    "spoiler_text": text(500),
    "sensitive": BOOL,
    "language": {"type": "string", "pattern": "^[a-z]{2,3}$"},
}

_SINGLE: dict[tuple[str, str], Op] = {
    ("GET", "/api/openapi.json"): op(
        "Meta", "This OpenAPI description", returns={"type": "object"}
    ),
    # --- accounts ------------------------------------------------------------------------
    ("GET", "/api/v1/accounts/verify_credentials"): op(
        A, "The caller's account, with source", "read:accounts", returns="Account"
    ),
    ("PATCH", "/api/v1/accounts/update_credentials"): op(
        A, "Change the caller's profile", "write:accounts", body=PROFILE_BODY, returns="Account"
    ),
    ("GET", "/api/v1/accounts/lookup"): op(
        A,
        "An account this server knows, by acct",
        query={"acct": STR},
        required=("acct",),
        returns="Account",
    ),
    ("GET", "/api/v1/accounts/search"): op(
        A,
        "Search accounts",
        "read:accounts",
        query={"q": STR, "resolve": BOOL, "limit": intrange(1, 80)},
        returns="Account[]",
    ),
    ("GET", "/api/v1/accounts/relationships"): op(
        A,
        "Relationships with accounts",
        "read:follows",
        query={"id[]": ids()},
        returns="Relationship[]",
    ),
    ("GET", "/api/v1/accounts/familiar_followers"): op(
        A,
        "Accounts the caller follows that follow each account",
        "read:follows",
        query={"id[]": ids(40)},
        returns="FamiliarFollowers[]",
    ),
    ("GET", ACC): public(A, "An account", "read:accounts", returns="Account"),
    ("GET", f"{ACC}/statuses"): public(
        A,
        "An account's posts",
        "read:statuses",
        query={**paging(), "exclude_replies": BOOL, "exclude_reblogs": BOOL, "pinned": BOOL},
        returns="Status[]",
    ),
    ("GET", f"{ACC}/followers"): public(
        A,
        "An account's followers",
        "read:accounts",
        query=paging(20, 80),
        returns="Account[]",
    ),
    ("GET", f"{ACC}/following"): public(
        A,
        "Who an account follows",
        "read:accounts",
        query=paging(20, 80),
        returns="Account[]",
    ),
    # --- statuses ------------------------------------------------------------------------
    ("POST", "/api/v1/reports"): op(
        "Reports",
        "Report an account (and some of its posts) to this server's moderators; "
        "forward=true also sends a Flag to its own server, from this server's actor",
        "write:reports",
        body={
            "account_id": ID,
            "status_ids[]": ids(20),
            "comment": text(1000),
            "category": enum("spam", "legal", "violation", "other"),
            "forward": BOOL,
        },
        required=("account_id",),
        returns="Report",
    ),
    ("POST", "/api/v1/statuses"): op(
        S,
        "Post (honours Idempotency-Key)",
        "write:statuses",
        body={
            **STATUS_BODY,
            "visibility": enum(*VISIBILITY),
            "in_reply_to_id": ID,
            "group_id": {**ID, "description": "post in this group (the caller a member)"},
        },
        required=("status",),
        returns="Status",
    ),
    ("GET", "/api/v1/statuses/{id}"): public(S, "A post", "read:statuses", returns="Status"),
    ("PUT", "/api/v1/statuses/{id}"): op(
        S, "Edit one's post", "write:statuses", body=STATUS_BODY, returns="Status"
    ),
    ("DELETE", "/api/v1/statuses/{id}"): op(
        S,
        "Delete one's post (answers it with its source text)",
        "write:statuses",
        returns="Status",
    ),
    ("GET", "/api/v1/statuses/{id}/context"): public(
        S, "The thread around a post", "read:statuses", returns="Context"
    ),
    ("POST", "/api/v1/statuses/{id}/reblog"): op(
        S,
        "Boost a post",
        "write:statuses",
        body={"visibility": enum("public", "unlisted", "private")},
        returns="Status",
    ),
    ("GET", "/api/v1/timelines/home"): op(
        T,
        "Home timeline",
        "read:statuses",
        query=paging(),
        returns="Status[]",
    ),
    ("GET", "/api/v1/timelines/public"): public(
        T,
        "Public timeline",
        "read:statuses",
        query={**paging(), "local": BOOL, "remote": BOOL},
        returns="Status[]",
    ),
    ("GET", "/api/v1/timelines/tag/{hashtag}"): public(
        T,
        "Public posts with a hashtag",
        "read:statuses",
        query={**paging(), "local": BOOL},
        returns="Status[]",
    ),
    ("GET", "/api/v2/search"): op(
        T,
        "Search accounts and posts (by URL)",
        "read:search",
        query={
            "q": STR,
            "type": enum("accounts", "statuses", "hashtags"),
            "resolve": BOOL,
            "limit": intrange(1, 40),
        },
        required=("q",),
        returns="SearchResults",
    ),
    # --- notifications and follow requests -----------------------------------------------
    ("GET", "/api/v1/notifications"): op(
        N,
        "The caller's notifications",
        "read:notifications",
        query={
            **paging(15, 30),
            "types[]": array(STR),
            "exclude_types[]": array(STR),
            "warmline": BOOL,
        },
        returns="Notification[]",
    ),
    ("GET", "/api/v1/notifications/{id}"): op(
        N, "One notification", "read:notifications", returns="Notification"
    ),
    ("POST", "/api/v1/notifications/{id}/dismiss"): op(
        N, "Dismiss a notification", "write:notifications", returns="Empty"
    ),
    ("POST", "/api/v1/notifications/clear"): op(
        N, "Dismiss all notifications", "write:notifications", returns="Empty"
    ),
    ("GET", "/api/v1/follow_requests"): op(
        N,
        "Who asked to follow the caller",
        "read:follows",
        query=paging(20, 80),
        returns="Account[]",
    ),
    # --- personal lists ------------------------------------------------------------------
    ("GET", "/api/v1/bookmarks"): op(
        P,
        "Bookmarked posts",
        "read:bookmarks",
        query=paging(),
        returns="Status[]",
    ),
    ("GET", "/api/v1/mutes"): op(
        P,
        "Muted accounts",
        "read:mutes",
        query=paging(40, 80),
        returns="Account[]",
    ),
    ("GET", "/api/v1/blocks"): op(
        P,
        "Blocked accounts",
        "read:blocks",
        query=paging(40, 80),
        returns="Account[]",
    ),
    ("GET", "/api/v1/domain_blocks"): op(
        P,
        "Servers the caller blocks (domain names, newest first)",
        "read:blocks",
        query=paging(100, 200),
        returns={"type": "array", "items": STR},
    ),
    ("POST", "/api/v1/domain_blocks"): op(
        P,
        "Block a server: its posts and notifications are hidden, its followers removed",
        "write:blocks",
        body={"domain": text(253)},
        required=("domain",),
        returns="Empty",
    ),
    ("DELETE", "/api/v1/domain_blocks"): op(
        P,
        "Lift the caller's block of a server",
        "write:blocks",
        body={"domain": text(253)},
        required=("domain",),
        returns="Empty",
    ),
    ("GET", "/api/v1/endorsements"): op(
        P,
        "Accounts featured on the caller's profile",
        "read:accounts",
        query=paging(40, 80),
        returns="Account[]",
    ),
}

LI = "Lists"
LIST = "/api/v1/lists/{id}"
LIST_BODY = {
    "title": text(200),
    "replies_policy": enum("followed", "list", "none"),
    "exclusive": BOOL,
}
ACCOUNT_IDS = {"account_ids[]": ids(250)}
_LISTS: Table = {
    ("GET", "/api/v1/lists"): op(LI, "The caller's lists", "read:lists", returns="List[]"),
    ("POST", "/api/v1/lists"): op(
        LI, "Make a list (at most 50)", "write:lists", body=LIST_BODY, required=("title",),
        returns="List",
    ),
    ("GET", LIST): op(LI, "One of the caller's lists", "read:lists", returns="List"),
    ("PUT", LIST): op(
        LI, "Change a list (only what is sent)", "write:lists", body=LIST_BODY, returns="List"
    ),
    ("DELETE", LIST): op(LI, "Delete a list", "write:lists", returns="Empty"),
    ("GET", f"{LIST}/accounts"): op(
        LI, "The list's accounts (limit=0: all of them, unpaged)", "read:lists",
        query={**paging(40, 80), "limit": intrange(0, 80)}, returns="Account[]",
    ),
    ("POST", f"{LIST}/accounts"): op(
        LI, "Add accounts the caller follows to the list", "write:lists",
        body=ACCOUNT_IDS, required=("account_ids[]",), returns="Empty",
    ),
    ("DELETE", f"{LIST}/accounts"): op(
        LI, "Take accounts off the list", "write:lists", body=ACCOUNT_IDS,
        required=("account_ids[]",), returns="Empty",
    ),
    ("GET", f"{ACC}/lists"): op(
        LI, "The caller's lists that hold this account", "read:lists", returns="List[]"
    ),
    ("GET", "/api/v1/timelines/list/{id}"): op(
        T, "Posts of the list's accounts (replies as its replies_policy says)", "read:lists",
        query=paging(), returns="Status[]",
    ),
}  # fmt: skip

OPERATIONS: Table = {
    **_SINGLE,
    **_LISTS,
    **actions(
        "/api/v1/statuses/{id}",
        S,
        "write:favourites",
        "Status",
        favourite="Favourite a post",
        unfavourite="Undo a favourite",
    ),
    **actions("/api/v1/statuses/{id}", S, "write:statuses", "Status", unreblog="Undo a boost"),
    **actions(
        "/api/v1/statuses/{id}",
        P,
        "write:bookmarks",
        "Status",
        bookmark="Bookmark a post",
        unbookmark="Remove a bookmark",
    ),
    **actions(
        ACC,
        A,
        "write:follows",
        "Relationship",
        follow="Follow an account",
        unfollow="Unfollow (or withdraw a request)",
    ),
    **actions(
        ACC,
        P,
        "write:blocks",
        "Relationship",
        block="Block an account (ends follows both ways and a connection)",
        unblock="Unblock an account (follows stay ended)",
    ),
    **actions(
        ACC,
        P,
        "write:accounts",
        "Relationship",
        pin="Feature an account on one's profile",
        unpin="Stop featuring an account",
        endorse="Feature an account (Mastodon 4.4's name)",
        unendorse="Stop featuring an account",
    ),
    **actions(
        "/api/v1/follow_requests/{id}",
        N,
        "write:follows",
        "Relationship",
        authorize="Accept a follow request",
        reject="Refuse a follow request",
    ),
    ("POST", f"{ACC}/mute"): Op(
        P,
        "Mute an account",
        "write:mutes",
        body={"notifications": BOOL, "duration": {"type": "integer", "minimum": 0}},
        returns="Relationship",
    ),
    **actions(ACC, P, "write:mutes", "Relationship", unmute="Unmute an account"),
}
