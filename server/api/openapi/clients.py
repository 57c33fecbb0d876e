"""Operations metadata for login, the instance, start-up calls, media, conversations
and streaming (see ``ops.py``). Parameters are described in docs/api.md; here the
summaries, scopes and answers."""

from __future__ import annotations

from typing import Any

from server.api.openapi.ops import Op, Table, op
from server.api.openapi.schemas import array

L, INST, ST, M, C, SM = "Login", "Instance", "Start-up", "Media", "Conversations", "Streaming"
OBJECT: dict[str, Any] = {"type": "object"}
LIST = array(OBJECT)
MEDIA = {
    "type": "object",
    "required": ["id", "type", "url", "preview_url", "meta"],
    "properties": {"id": {"type": "string"}, "type": {"type": "string"}},
}
CONVERSATION = {
    "type": "object",
    "required": ["id", "unread", "accounts", "last_status"],
    "properties": {"id": {"type": "string"}, "unread": {"type": "boolean"}},
}


def _empty_list(summary: str, scope: str | None = None) -> Op:
    return op(ST, summary, scope, returns=LIST)


OPERATIONS: Table = {
    # --- login ------------------------------------------------------------------------------
    ("POST", "/api/v1/apps"): op(L, "Register an application (client id and secret)"),
    ("GET", "/api/v1/apps/verify_credentials"): op(L, "The application of this token", "read"),
    ("GET", "/oauth/authorize"): op(L, "The sign-in and consent page (HTML)"),
    ("POST", "/oauth/authorize"): op(L, "Sign in and approve or deny (the page's form)"),
    ("POST", "/oauth/token"): op(L, "Exchange a code (PKCE) or client credentials for a token"),
    ("POST", "/oauth/revoke"): op(L, "Revoke a token of the calling application"),
    ("GET", "/.well-known/oauth-authorization-server"): op(L, "RFC 8414 server metadata"),
    # --- the instance and what apps ask for on start -----------------------------------------
    ("GET", "/api/v1/instance"): op(INST, "The instance (Mastodon v1 shape)", returns=OBJECT),
    ("GET", "/api/v2/instance"): op(INST, "The instance (v2 shape, api_versions)", returns=OBJECT),
    ("GET", "/api/v1/preferences"): op(ST, "Posting and reading preferences", "read:accounts"),
    ("GET", "/api/v1/markers"): op(ST, "Reading positions (not stored: empty)", "read:statuses"),
    ("POST", "/api/v1/markers"): op(ST, "Save reading positions (echoed)", "write:statuses"),
    ("GET", "/api/v1/followed_tags"): _empty_list("Followed hashtags (none yet)", "read:follows"),
    ("GET", "/api/v1/filters"): _empty_list("Filters, v1 (none yet)", "read:filters"),
    ("GET", "/api/v2/filters"): _empty_list("Filters (none yet)", "read:filters"),
    ("GET", "/api/v1/announcements"): _empty_list("Announcements (none yet)", "read"),
    ("GET", "/api/v1/custom_emojis"): _empty_list("Custom emojis (none)"),
    ("GET", "/api/v1/trends"): _empty_list("Trending hashtags (none yet)"),
    ("GET", "/api/v1/trends/tags"): _empty_list("Trending hashtags (none yet)"),
    ("GET", "/api/v1/trends/statuses"): _empty_list("Trending posts (none yet)"),
    ("GET", "/api/v1/trends/links"): _empty_list("Trending links (none yet)"),
    # --- media -------------------------------------------------------------------------------
    ("POST", "/api/v2/media"): op(
        M, "Upload an image (multipart file)", "write:media", returns=MEDIA
    ),
    ("POST", "/api/v1/media"): op(M, "Upload an image (v1 path)", "write:media", returns=MEDIA),
    ("GET", "/api/v1/media/{id}"): op(M, "One of one's uploads", "write:media", returns=MEDIA),
    ("PUT", "/api/v1/media/{id}"): op(
        M, "Describe an unattached upload", "write:media", returns=MEDIA
    ),
    # --- conversations -----------------------------------------------------------------------
    ("GET", "/api/v1/conversations"): op(
        C, "Direct-message conversations", "read:statuses", returns=array(CONVERSATION)
    ),
    ("POST", "/api/v1/conversations/{id}/read"): op(
        C, "Mark a conversation read", "write:conversations", returns=CONVERSATION
    ),
    ("DELETE", "/api/v1/conversations/{id}"): op(
        C, "Remove a conversation until a newer message", "write:conversations", returns="Empty"
    ),
    # --- streaming (WebSocket upgrade or text/event-stream; see docs/api.md) -----------------
    ("GET", "/api/v1/streaming/health"): op(SM, "Whether streaming works (text OK)"),
    ("GET", "/api/v1/streaming"): op(SM, "Streaming: WebSocket, or server-sent events", "read"),
    ("GET", "/api/v1/streaming/{path}"): op(SM, "Server-sent events of one stream", "read"),
}
