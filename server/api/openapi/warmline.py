"""Operations metadata for Warmline's own routes under /api/v1/warmline (see ``ops.py``)."""

from __future__ import annotations

from server.api.openapi.ops import (
    BOOL,
    ID,
    Table,
    actions,
    enum,
    ids,
    intrange,
    op,
    paging,
    public,
    text,
)

W, E = "Warmline network", "Warmline endorsements"
WL = "/api/v1/warmline"

_SINGLE: Table = {
    # --- Warmline: connections, introductions --------------------------------------------
    ("POST", f"{WL}/connections"): op(
        W,
        "Ask to connect (or accept their request)",
        "write:follows",
        body={"account_id": ID, "note": text(500)},
        required=("account_id",),
        returns="ConnectionRequest",
    ),
    ("GET", f"{WL}/connections"): op(
        W,
        "Connections of the caller or of another member",
        "read:follows",
        query={"account_id": ID, "limit": intrange(1, 80), "offset": intrange(0, 10_000)},
        returns="Connection[]",
    ),
    ("DELETE", f"{WL}/connections/{{account_id}}"): op(
        W, "Remove a connection", "write:follows", returns="Empty"
    ),
    ("GET", f"{WL}/connection_requests"): op(
        W,
        "Pending connection requests",
        "read:follows",
        query={**paging(), "direction": enum("incoming", "outgoing")},
        returns="ConnectionRequest[]",
    ),
    ("POST", f"{WL}/introductions"): op(
        W,
        "Ask a connection for an introduction",
        "write:follows",
        body={"target_account_id": ID, "via_account_id": ID, "reason": text(1000)},
        required=("target_account_id", "via_account_id", "reason"),
        returns="Introduction",
    ),
    ("GET", f"{WL}/introductions"): op(
        W,
        "Introductions, by the caller's role",
        "read:follows",
        query={**paging(), "role": enum("requester", "introducer", "target")},
        returns="Introduction[]",
    ),
    ("GET", f"{WL}/introductions/{{id}}"): op(
        W,
        "An introduction, as the caller's role may see it",
        "read:follows",
        returns="Introduction",
    ),
    ("POST", f"{WL}/introductions/{{id}}/forward"): op(
        W,
        "Forward an introduction to its target (introducer)",
        "write:follows",
        body={"note": text(1000)},
        returns="Introduction",
    ),
    ("GET", f"{WL}/suggestions"): op(
        W,
        "People you may know",
        "read:accounts",
        query={"limit": intrange(0, 80), "offset": intrange(0, 10_000)},
        returns="Suggestion[]",
    ),
    ("GET", f"{WL}/accounts/{{id}}/degree"): op(
        W, "Degree of connection and shared connections", "read:accounts", returns="Degree"
    ),
    # --- Warmline: endorsements, recommendations -----------------------------------------
    ("POST", f"{WL}/endorsements"): op(
        E,
        "Endorse a connection's skill",
        "write:accounts",
        body={"account_id": ID, "skill": text(80)},
        required=("account_id", "skill"),
        returns="Endorsement",
    ),
    ("DELETE", f"{WL}/endorsements/{{id}}"): op(
        E, "Withdraw an endorsement", "write:accounts", returns="Endorsement"
    ),
    ("GET", f"{WL}/accounts/{{id}}/endorsements"): public(
        E,
        "An account's skills and who endorsed them",
        "read:accounts",
        returns="SkillEndorsements[]",
    ),
    ("POST", f"{WL}/recommendations"): op(
        E,
        "Recommend a connection",
        "write:accounts",
        body={"account_id": ID, "text": {"type": "string", "minLength": 1, "maxLength": 3000}},
        required=("account_id", "text"),
        returns="Recommendation",
    ),
    ("GET", f"{WL}/recommendations"): op(
        E,
        "The caller's recommendations, received or given",
        "read:accounts",
        query={
            **paging(),
            "direction": enum("received", "given"),
            "state": enum("pending", "approved", "declined", "withdrawn"),
        },
        returns="Recommendation[]",
    ),
    ("GET", f"{WL}/accounts/{{id}}/recommendations"): public(
        E,
        "An account's approved recommendations",
        "read:accounts",
        query=paging(),
        returns="Recommendation[]",
    ),
}

EV = "Warmline events"
EVENTS = f"{WL}/events"
LOCATION = {
    "type": "object",
    "properties": {
        **{name: text(200) for name in ("name", "street", "locality", "region", "country")},
        "postal_code": text(32),
        "latitude": {"type": "number", "minimum": -90, "maximum": 90},
        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
    },
}
EVENT_BODY = {
    "title": text(200),
    "description": text(5000),
    "starts_at": {"type": "string", "format": "date-time"},
    "ends_at": {"type": "string", "format": "date-time"},
    "timezone": text(64),
    "location": LOCATION,
    "online_url": text(2000),
    "capacity": intrange(1, 1_000_000),
    "visibility": enum("public", "connections", "invited"),
    "approval_required": BOOL,
    "group_id": {**ID, "description": "a group the caller is a member of (a public event)"},
}
_EVENTS: Table = {
    ("POST", EVENTS): op(
        EV, "Create an event (the caller organises it and is going)", "write:statuses",
        body=EVENT_BODY, required=("title", "starts_at"), returns="Event",
    ),
    ("GET", EVENTS): public(
        EV, "Upcoming events: the caller's, their network's, or this instance's public ones",
        "read:statuses",
        query={"scope": enum("mine", "network", "local"), "limit": intrange(1, 40),
               "offset": intrange(0, 10_000)},
        returns="Event[]",
    ),
    ("GET", f"{EVENTS}/{{id}}"): public(EV, "An event", "read:statuses", returns="Event"),
    ("POST", f"{EVENTS}/resolve"): op(
        EV, "An event on any server, by its id or page (fetched and stored)", "read:statuses",
        body={"uri": text(2000)}, required=("uri",), returns="Event",
    ),
    ("PATCH", f"{EVENTS}/{{id}}"): op(
        EV, "Change an event (organiser); what is left out stays", "write:statuses",
        body={k: v for k, v in EVENT_BODY.items() if k != "group_id"}, returns="Event",
    ),
    ("DELETE", f"{EVENTS}/{{id}}"): op(
        EV, "Cancel an event (organiser); it stays, marked cancelled", "write:statuses",
        returns="Event",
    ),
    ("POST", f"{EVENTS}/{{id}}/rsvp"): op(
        EV, "Answer an event: going (perhaps waitlisted or pending), maybe, not going",
        "write:statuses", body={"status": enum("going", "maybe", "not_going")},
        required=("status",), returns="Event",
    ),
    ("GET", f"{EVENTS}/{{id}}/attendees"): public(
        EV, "Who answered (pending: the organiser only), the caller's connections first",
        "read:statuses",
        query={"status": enum("going", "maybe", "not_going", "waitlisted", "pending")},
        returns="EventAttendee[]",
    ),
    ("POST", f"{EVENTS}/{{id}}/invite"): op(
        EV, "Invite connections (organiser or attendee)", "write:statuses",
        body={"account_ids": ids(100)}, required=("account_ids",), returns="EventInvites",
    ),
    ("POST", f"{EVENTS}/feed"): op(
        EV, "A new private calendar feed URL of the caller's events (the old one ends)",
        "read:statuses", returns="CalendarFeed",
    ),
    ("GET", f"{EVENTS}/{{id}}.ics"): public(
        EV, "The event as an iCalendar file (RFC 5545)", "read:statuses",
        returns={"type": "string"},
    ),
    **actions(
        f"{EVENTS}/{{id}}/participants/{{account_id}}", EV, "write:statuses",
        "EventParticipant",
        approve="Approve a request to attend (organiser)",
        reject="Decline a request to attend (organiser)",
    ),
}  # fmt: skip

GR = "Warmline groups"
GROUPS = f"{WL}/groups"
GROUP = f"{GROUPS}/{{id}}"
GROUP_BODY = {
    "display_name": text(100),
    "description": text(2000),
    "membership": enum("open", "approval"),
}
_GROUPS: Table = {
    ("POST", GROUPS): op(
        GR, "Create a group here (the caller owns it and is its first member)", "write:accounts",
        body={"name": {"type": "string", "pattern": "^[A-Za-z0-9_]{1,30}$"}, **GROUP_BODY},
        required=("name",), returns="Group",
    ),
    ("GET", GROUPS): public(
        GR, "scope=mine: the caller's groups (a token needed; paged on max_id, since_id, "
        "min_id); scope=pending: those the caller asked to join; scope=local: this server's "
        "groups, the most members first (limit, offset)",
        "read:accounts",
        query={
            "scope": enum("mine", "pending", "local"), **paging(),
            "offset": intrange(0, 10_000),
        },
        returns="Group[]",
    ),
    ("GET", GROUP): public(GR, "A group, here or elsewhere", "read:accounts", returns="Group"),
    ("PATCH", GROUP): op(
        GR, "Change a group here (moderators); what is left out stays", "write:accounts",
        body=GROUP_BODY, returns="Group",
    ),
    ("POST", f"{GROUP}/join"): op(
        GR, "Join a group (pending where moderators approve members)", "write:follows",
        returns="Group",
    ),
    ("POST", f"{GROUP}/leave"): op(
        GR, "Leave a group (or withdraw a request to join)", "write:follows", returns="Group"
    ),
    ("GET", f"{GROUP}/members"): public(
        GR, "A group's members with their role (of a group that approves members: its "
        "members only)", "read:accounts", query=paging(), returns="GroupMember[]",
    ),
    ("GET", f"{GROUP}/requests"): op(
        GR, "Who asks to join (moderators)", "read:accounts", query=paging(),
        returns="GroupMember[]",
    ),
    ("GET", f"{GROUP}/statuses"): public(
        GR, "The posts in a group, newest first", "read:statuses", query=paging(),
        returns="Status[]",
    ),
    ("DELETE", f"{GROUP}/statuses/{{status_id}}"): op(
        GR, "Take a post out of the group (moderators; it stays its author's)",
        "write:statuses", returns="GroupPostRemoval",
    ),
    ("GET", f"{GROUP}/events"): public(
        GR, "A group's events still to come (at most 20), soonest first", "read:statuses",
        returns="Event[]",
    ),
    ("POST", f"{GROUP}/members/{{account_id}}/remove"): op(
        GR, "Remove a member (moderators); ban=true also keeps them out", "write:follows",
        body={"ban": BOOL, "reason": text(500)}, returns="GroupMemberRemoval",
    ),
    ("GET", f"{GROUP}/bans"): op(
        GR, "Who is banned from the group (moderators; at most 200, newest first)",
        "read:accounts", returns="GroupBanEntry[]",
    ),
    ("DELETE", f"{GROUP}/bans/{{account_id}}"): op(
        GR, "Lift a ban (moderators)", "write:follows", returns="GroupBan",
    ),
    ("POST", f"{GROUP}/moderators/{{account_id}}"): op(
        GR, "Name a member from this server moderator or owner (owner)", "write:follows",
        body={"role": enum("moderator", "owner")}, returns="GroupRole",
    ),
    ("DELETE", f"{GROUP}/moderators/{{account_id}}"): op(
        GR, "Make a moderator or owner a plain member again (owner)", "write:follows",
        returns="GroupRole",
    ),
    **actions(
        f"{GROUP}/requests/{{account_id}}", GR, "write:follows", "GroupRequestDecision",
        approve="Accept a request to join (moderators)",
        reject="Refuse a request to join (moderators)",
    ),
}  # fmt: skip

WARMTH = f"{WL}/warmth"
_WARMTH: Table = {
    ("GET", WARMTH): op(
        "Warmline reasons to talk",
        "Reasons to talk (what the home page suggests), the kinds taking turns",
        "read:accounts", query={"limit": intrange(1, 20)}, returns="Reason[]",
    ),
    ("POST", f"{WARMTH}/{{kind}}/{{id}}/dismiss"): op(
        "Warmline reasons to talk",
        "Stop suggesting it (a job change: until the connection's next one)",
        "write:accounts", returns="Empty",
    ),
}  # fmt: skip

MV = "Warmline moving"
_MOVES: Table = {
    ("GET", f"{WL}/account/aliases"): op(
        MV, "The caller's other accounts (published as alsoKnownAs)", "read:accounts",
        returns="Alias[]",
    ),
    ("POST", f"{WL}/account/aliases"): op(
        MV, "Name another account as the caller's too (before moving it here)",
        "write:accounts", body={"acct": text(300)}, required=("acct",), returns="Alias[]",
    ),
    ("DELETE", f"{WL}/account/aliases"): op(
        MV, "Stop naming an account as the caller's", "write:accounts",
        query={"acct": text(300)}, returns="Alias[]",
    ),
    ("POST", f"{WL}/account/aliases/carry"): op(
        MV, "Bring the connections of an alias that moved here: each is asked to connect "
        "(Connect with movedFrom), those here are connected at once; idempotent",
        "write:accounts", body={"acct": text(300)}, required=("acct",), returns="CarryResult",
    ),
    ("POST", f"{WL}/account/move"): op(
        MV, "Move to another account, which names this one among its aliases; followers "
        "are told (Move) and those here follow the new account", "write:accounts",
        body={"target": text(300), "password": text(1024)}, required=("target", "password"),
        returns="MoveResult",
    ),
}  # fmt: skip

_EXPORTS: Table = {
    ("GET", f"{WL}/export/{kind}.csv"): op(
        "Warmline import and export",
        f"The caller's {kind} as Mastodon's CSV file (text/csv)",
        scope, returns={"type": "string"},
    )
    for kind, scope in (("following", "read:follows"), ("followers", "read:follows"),
                        ("blocks", "read:blocks"), ("mutes", "read:mutes"),
                        ("bookmarks", "read:bookmarks"), ("lists", "read:lists"),
                        ("domain_blocks", "read:blocks"))
}  # fmt: skip

AR = "Warmline archive"
ARCHIVE = f"{WL}/account/archive"
_ARCHIVE: Table = {
    ("POST", ARCHIVE): op(
        AR, "Ask for an archive of everything the caller has (built in the background; "
        "202 while it is built, 429 if one was made less than a day ago)", "read",
        returns="Archive",
    ),
    ("GET", ARCHIVE): op(
        AR, "How far the caller's latest archive is, and once ready the URL of its ZIP",
        "read", returns="Archive",
    ),
    ("GET", f"{ARCHIVE}/{{name}}"): op(
        AR, "The archive's ZIP file (application/zip), with the same token", "read",
        returns={"type": "string", "format": "binary"},
    ),
}  # fmt: skip

LI = "Warmline LinkedIn import"
LINKEDIN = f"{WL}/import/linkedin"
_LINKEDIN: Table = {
    ("POST", LINKEDIN): op(
        LI, "Import a LinkedIn data export (multipart: file, dry_run, replace)",
        "write:accounts", body={"file": {"type": "string", "format": "binary"},
                                "dry_run": BOOL, "replace": BOOL},
        required=("file",), returns="LinkedInImportReport",
    ),
    ("GET", f"{LINKEDIN}/contacts"): op(
        LI, "Imported LinkedIn contacts, matched members first; others may carry invite_url",
        "read:accounts",
        query={"matched": BOOL, "limit": intrange(1, 200), "offset": intrange(0, 30_000)},
        returns="LinkedInContact[]",
    ),
    ("GET", f"{LINKEDIN}/recommendations"): op(
        LI, "Recommendations imported from LinkedIn", "read:accounts",
        returns="ImportedRecommendation[]",
    ),
    **actions(
        f"{LINKEDIN}/recommendations/{{id}}", LI, "write:accounts", "ImportedRecommendation",
        show="Show an imported recommendation on one's profile",
        hide="Stop showing an imported recommendation",
    ),
    ("GET", f"{WL}/profile/linkedin"): op(
        LI, "One's LinkedIn address and whether one may be found by it", "read:accounts",
        returns="LinkedInLink",
    ),
    ("PUT", f"{WL}/profile/linkedin"): op(
        LI, "Publish one's LinkedIn address; opt in to being found by it", "write:accounts",
        body={"url": text(300), "findable": BOOL}, returns="LinkedInLink",
    ),
}  # fmt: skip

OPERATIONS: Table = {
    **_SINGLE,
    **_MOVES,
    **_EVENTS,
    **_GROUPS,
    **_WARMTH,
    **_EXPORTS,
    **_ARCHIVE,
    **_LINKEDIN,
    **actions(
        f"{WL}/connection_requests/{{id}}",
        W,
        "write:follows",
        "ConnectionRequest",
        accept="Accept a connection request",
        decline="Decline a connection request",
        withdraw="Withdraw one's connection request",
    ),
    **actions(
        f"{WL}/introductions/{{id}}",
        W,
        "write:follows",
        "Introduction",
        decline="Decline an introduction (introducer or target)",
        accept="Accept an introduction (target)",
        withdraw="Withdraw one's request (requester)",
    ),
    **actions(
        f"{WL}/recommendations/{{id}}",
        E,
        "write:accounts",
        "Recommendation",
        approve="Approve a recommendation (recipient)",
        decline="Decline a recommendation",
        withdraw="Withdraw one's recommendation (author)",
    ),
}
