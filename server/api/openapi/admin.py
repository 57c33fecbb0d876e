"""Operations metadata for Mastodon's admin API routes (see ``ops.py``). Every one
also needs a token whose member is an admin (403 otherwise)."""

from __future__ import annotations

from typing import Any

from server.api.openapi.ops import BOOL, ID, Table, enum, op, paging, text

AD = "Admin"
BLOCKS = "/api/v1/admin/domain_blocks"
ALLOWS = "/api/v1/admin/domain_allows"
ACCOUNTS = "/api/v1/admin/accounts"
REPORTS = "/api/v1/admin/reports"
DOMAIN = {"type": "string", "description": "a domain, host:port or URL; stored in one spelling"}
BLOCK_OPTIONS: dict[str, Any] = {
    "severity": {**enum("silence", "suspend", "noop", "limit"), "default": "silence"},
    "reject_media": BOOL,
    "reject_reports": BOOL,
    "private_comment": text(1000),
    "public_comment": text(1000),
    "obfuscate": BOOL,
}

OPERATIONS: Table = {
    ("GET", BLOCKS): op(
        AD,
        "Blocked domains, newest first",
        "admin:read:domain_blocks",
        query=paging(default=100, maximum=200),
        returns="AdminDomainBlock[]",
    ),
    ("GET", f"{BLOCKS}/{{id}}"): op(
        AD, "A blocked domain", "admin:read:domain_blocks", returns="AdminDomainBlock"
    ),
    ("POST", BLOCKS): op(
        AD,
        "Block a domain (422 when it is blocked already)",
        "admin:write:domain_blocks",
        body={"domain": DOMAIN, **BLOCK_OPTIONS},
        required=("domain",),
        returns="AdminDomainBlock",
    ),
    ("PUT", f"{BLOCKS}/{{id}}"): op(
        AD,
        "Change a domain block (what is left out stays as it is)",
        "admin:write:domain_blocks",
        body=BLOCK_OPTIONS,
        returns="AdminDomainBlock",
    ),
    ("DELETE", f"{BLOCKS}/{{id}}"): op(
        AD, "Lift a domain block", "admin:write:domain_blocks", returns="Empty"
    ),
    ("GET", ALLOWS): op(
        AD,
        "Allowed domains (allowlist mode), newest first",
        "admin:read:domain_allows",
        query=paging(default=100, maximum=200),
        returns="AdminDomainAllow[]",
    ),
    ("GET", f"{ALLOWS}/{{id}}"): op(
        AD, "An allowed domain", "admin:read:domain_allows", returns="AdminDomainAllow"
    ),
    ("POST", ALLOWS): op(
        AD,
        "Allow a domain (allowing it again answers the same entry)",
        "admin:write:domain_allows",
        body={"domain": DOMAIN},
        required=("domain",),
        returns="AdminDomainAllow",
    ),
    ("DELETE", f"{ALLOWS}/{{id}}"): op(
        AD, "Take a domain off the allowlist", "admin:write:domain_allows", returns="Empty"
    ),
    ("GET", f"{ACCOUNTS}/{{id}}"): op(
        AD,
        "An account as moderators see it (moderators too)",
        "admin:read:accounts",
        returns="AdminAccount",
    ),
    ("POST", f"{ACCOUNTS}/{{id}}/action"): op(
        AD,
        "Act on an account: none (a note in the moderation log), silence or suspend",
        "admin:write:accounts",
        body={
            "type": {**enum("none", "silence", "suspend"), "default": "none"},
            "text": text(2000),
        },
        returns="Empty",
    ),
    ("POST", f"{ACCOUNTS}/{{id}}/unsuspend"): op(
        AD, "Lift an account's suspension", "admin:write:accounts", returns="AdminAccount"
    ),
    ("GET", REPORTS): op(
        AD,
        "Reports, newest first: open ones, or resolved=true (moderators too)",
        "admin:read:reports",
        query={**paging(default=100, maximum=200), "resolved": BOOL, "target_account_id": ID},
        returns="AdminReport[]",
    ),
    ("GET", f"{REPORTS}/{{id}}"): op(AD, "A report", "admin:read:reports", returns="AdminReport"),
    ("POST", f"{REPORTS}/{{id}}/resolve"): op(
        AD, "Mark a report resolved", "admin:write:reports", returns="AdminReport"
    ),
    ("POST", f"{REPORTS}/{{id}}/reopen"): op(
        AD, "Open a resolved report again", "admin:write:reports", returns="AdminReport"
    ),
    ("POST", f"{ACCOUNTS}/{{id}}/unsilence"): op(
        AD, "Lift an account's limit", "admin:write:accounts", returns="AdminAccount"
    ),
}
