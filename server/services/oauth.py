"""OAuth 2 for client apps: registering apps, authorization codes (with PKCE),
token grants and revocation. No HTTP here: the door in ``server/api/oauth.py``
turns :class:`OAuthError` into RFC 6749 answers.

Codes and client secrets are random 32-byte strings stored as SHA-256 only,
like bearer tokens. A code lives ten minutes and is good for one exchange;
presenting it again revokes the token it was exchanged for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from server.services import tokens
from server.services.errors import ServiceError, ValidationError
from server.store import Database
from server.store import oauth as q
from server.store import tokens as token_queries
from server.store.oauth import ApplicationRow, CodeRow

log = logging.getLogger(__name__)

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME = timedelta(minutes=10)
DEFAULT_SCOPE = "read"  # what Mastodon grants when a client names no scope
NAME_MAX = 200
REDIRECT_URIS_MAX = 10
URI_MAX = 2000
# RFC 7636: 43-128 characters of [A-Za-z0-9-._~]
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")


class OAuthError(ServiceError):
    """An RFC 6749 error: ``error`` is its code (``invalid_grant``...), ``message`` says why."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.status = status


class ClientError(ServiceError):
    """The client or its redirect URI is unknown: say so, never redirect anywhere."""

    status = 400


@dataclass(frozen=True, slots=True)
class AuthRequest:
    """A checked ``/oauth/authorize`` request."""

    app: ApplicationRow
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    scopes: tuple[str, ...]
    created_at: datetime


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_redirect_uris(value: str) -> tuple[str, ...]:
    """One or several URIs, separated by newlines or spaces; absolute, no fragment."""
    uris = tuple(dict.fromkeys(value.split()))
    if not uris:
        raise ValidationError(
            "Validation failed: Redirect URI can't be blank", field="redirect_uris"
        )
    if len(uris) > REDIRECT_URIS_MAX:
        raise ValidationError("Validation failed: too many redirect URIs", field="redirect_uris")
    for uri in uris:
        if uri == OOB:
            continue
        parts = urlsplit(uri)
        if len(uri) > URI_MAX or not parts.scheme or parts.fragment or ":" not in uri:
            raise ValidationError(
                f"Validation failed: Redirect URI must be an absolute URI: {uri}",
                field="redirect_uris",
            )
        if parts.scheme in ("http", "https") and not parts.netloc:
            raise ValidationError(
                f"Validation failed: Redirect URI must be an absolute URI: {uri}",
                field="redirect_uris",
            )
    return uris


async def register_app(
    db: Database, *, name: str, redirect_uris: str, scopes: str, website: str | None
) -> tuple[ApplicationRow, str]:
    """A new client app and its secret (shown once)."""
    name = name.strip()
    if not name:
        raise ValidationError("Validation failed: Name can't be blank", field="client_name")
    if len(name) > NAME_MAX:
        raise ValidationError(
            f"Validation failed: Name is longer than {NAME_MAX} characters", field="client_name"
        )
    website = (website or "").strip() or None
    if website and (not website.startswith(("https://", "http://")) or len(website) > URI_MAX):
        raise ValidationError("Validation failed: Website must be an http(s) URL", field="website")
    uris = parse_redirect_uris(redirect_uris)
    granted = tokens.parse_scopes(scopes or DEFAULT_SCOPE)
    client_id, secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    app_id = db.new_id()
    async with db.transaction() as conn:
        await q.insert_application(
            conn,
            app_id=app_id,
            name=name,
            website=website,
            redirect_uris=uris,
            scopes=granted,
            client_id=client_id,
            client_secret_hash=_digest(secret),
            now=datetime.now(UTC),
        )
        app = await q.get_application(conn, app_id=app_id)
    assert app is not None
    return app, secret


async def find_application(db: Database, app_id: int) -> ApplicationRow | None:
    async with db.read() as conn:
        return await q.get_application(conn, app_id=app_id)


async def find_client(
    db: Database, client_id: str, redirect_uri: str | None
) -> tuple[ApplicationRow, str]:
    """The app and the redirect URI to use, or ClientError (shown, never redirected)."""
    async with db.read() as conn:
        app = await q.get_application(conn, client_id=client_id) if client_id else None
    if app is None:
        raise ClientError("Client authentication failed due to unknown client")
    if not redirect_uri:
        if len(app.redirect_uris) != 1:
            raise ClientError("redirect_uri is required: this client registered several")
        redirect_uri = app.redirect_uris[0]
    if redirect_uri not in app.redirect_uris:
        raise ClientError("The redirect URI included is not valid for this client")
    return app, redirect_uri


def _requested_scopes(app: ApplicationRow, scope: str | None) -> tuple[str, ...]:
    try:
        wanted = tokens.parse_scopes(scope or DEFAULT_SCOPE)
    except ValidationError as exc:
        raise OAuthError("invalid_scope", exc.message) from None
    if not tokens.scopes_cover(app.scopes, wanted):
        raise OAuthError(
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed: "
            f"this client registered only {' '.join(app.scopes)}",
        )
    return wanted


def check_request(
    app: ApplicationRow,
    redirect_uri: str,
    *,
    response_type: str | None,
    scope: str | None,
    state: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> AuthRequest:
    """Check an authorization request of a known client (errors go back to the client)."""
    if response_type != "code":
        raise OAuthError("unsupported_response_type", "Only response_type=code is supported")
    scopes = _requested_scopes(app, scope)
    if code_challenge or code_challenge_method:
        if (code_challenge_method or "plain") != "S256":
            raise OAuthError("invalid_request", "code_challenge_method must be S256")
        if not code_challenge or not _CHALLENGE.match(code_challenge):
            raise OAuthError("invalid_request", "code_challenge must be a base64url SHA-256")
    return AuthRequest(app, redirect_uri, scopes, state, code_challenge or None)


async def issue_code(db: Database, request: AuthRequest, account_id: int) -> str:
    """A single-use authorization code for the member's consent."""
    code = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    async with db.transaction() as conn:
        await q.insert_code(
            conn,
            code_id=db.new_id(),
            code_hash=_digest(code),
            application_id=request.app.id,
            account_id=account_id,
            redirect_uri=request.redirect_uri,
            scopes=" ".join(request.scopes),
            code_challenge=request.code_challenge,
            now=now,
            expires_at=now + CODE_LIFETIME,
        )
    return code


async def authenticate_client(
    db: Database, client_id: str, client_secret: str | None
) -> ApplicationRow:
    """The app whose id and secret these are, or ``invalid_client`` (401)."""
    async with db.read() as conn:
        app = await q.get_application(conn, client_id=client_id) if client_id else None
    secret_ok = app is not None and hmac.compare_digest(
        app.client_secret_hash, _digest(client_secret or "")
    )
    if app is None or not secret_ok:
        raise OAuthError(
            "invalid_client",
            "Client authentication failed due to unknown client, "
            "no client authentication included, or unsupported authentication method.",
            status=401,
        )
    return app


def _pkce_matches(challenge: str, verifier: str | None) -> bool:
    if verifier is None or not _VERIFIER.match(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(computed, challenge)


_BAD_GRANT = (
    "The provided authorization grant is invalid, expired, revoked, does not match "
    "the redirection URI used in the authorization request, or was issued to another client."
)


def _refusal(
    row: CodeRow | None,
    app: ApplicationRow,
    redirect_uri: str | None,
    code_verifier: str | None,
    now: datetime,
) -> OAuthError | None:
    """Why this code cannot be exchanged by this client, or None if it can."""
    if row is None or row.used_at is not None or row.expires_at <= now:
        return OAuthError("invalid_grant", _BAD_GRANT)
    if row.application_id != app.id or (redirect_uri or row.redirect_uri) != row.redirect_uri:
        return OAuthError("invalid_grant", _BAD_GRANT)
    if row.code_challenge is not None and not _pkce_matches(row.code_challenge, code_verifier):
        return OAuthError(
            "invalid_grant", "The PKCE code_verifier does not match the code_challenge"
        )
    return None


async def exchange_code(
    db: Database,
    app: ApplicationRow,
    *,
    code: str,
    redirect_uri: str | None,
    code_verifier: str | None,
) -> IssuedToken:
    """Trade a code for a member's token: once, in time, same client and redirect, PKCE checked.

    Any try spends the code. A code presented again is refused and the token
    it bought is revoked (RFC 6749 4.1.2: whoever holds it now may have stolen
    it). Claiming the code and storing the token happen in one transaction, so
    a second try racing the first finds the token and revokes it too.
    """
    if not code:
        raise OAuthError("invalid_request", "code is required")
    now = datetime.now(UTC)
    async with db.transaction() as conn:
        row = await q.claim_code(conn, _digest(code), now)
        if row is not None and row.used_at is not None:
            revoked = await token_queries.revoke_for_code(conn, row.id, now)
            log.warning("authorization code %s used again: %d token(s) revoked", row.id, revoked)
        refusal = _refusal(row, app, redirect_uri, code_verifier, now)
        if refusal is None:
            assert row is not None
            scopes = tuple(row.scopes.split())
            token = await tokens.add_token(
                conn,
                db.new_id(),
                account_id=row.account_id,
                scopes=scopes,
                label=app.name[:100],
                application_id=app.id,
                code_id=row.id,
            )
    if refusal is not None:  # raised after the commit: the try still spends the code
        raise refusal
    return IssuedToken(token, scopes, now)


async def client_credentials(db: Database, app: ApplicationRow, scope: str | None) -> IssuedToken:
    """An app-only token: no member behind it."""
    scopes = _requested_scopes(app, scope)
    token = await tokens.issue_token(
        db, account_id=None, scopes=scopes, label=app.name[:100], application_id=app.id
    )
    return IssuedToken(token, scopes, datetime.now(UTC))


async def revoke(db: Database, app: ApplicationRow, token: str) -> None:
    """Revoke one of the app's tokens; an unknown token is not an error (RFC 7009)."""
    async with db.transaction() as conn:
        await token_queries.revoke_by_hash(
            conn, tokens.hash_token(token), app.id, datetime.now(UTC)
        )
