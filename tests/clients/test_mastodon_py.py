"""Real client libraries against a real ``warmline serve`` process.

README: these tests drive Warmline with client libraries as apps use them
(Mastodon.py from PyPI, in the ``test`` extra); a failure here means an app
in the wild would break. Mastodon.py has no PKCE support, so its code flow
runs without it and PKCE is checked alongside with plain HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import warnings
from typing import Any

import pytest
import requests
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from server import __version__

OOB = "urn:ietf:wg:oauth:2.0:oob"
PASSWORD = "a long enough password"
SCOPES = ["read", "write", "follow"]


def _sign_in(session: requests.Session, authorize_url: str) -> str:
    """Do what a person does on the page: sign in, approve, copy the code."""
    page = session.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    assert fields["csrf_token"]
    form = {**fields, "username": "alice", "password": PASSWORD, "decision": "approve"}
    answer = session.post(authorize_url.split("?")[0], data=form, timeout=10)
    assert answer.status_code == 200, answer.text
    found = re.search(r'id="code" type="text" readonly value="([^"]+)"', answer.text)
    assert found, answer.text
    return found.group(1)


@pytest.fixture
def instance(server_process: Any) -> Any:
    proc = server_process()
    made = proc.cli("member", "create", "alice", "--password-stdin", stdin=PASSWORD + "\n")
    assert made.returncode == 0, made.stderr
    return proc


def test_mastodon_py_from_app_registration_to_revocation(instance: Any) -> None:
    base = instance.base_url
    client_id, client_secret = Mastodon.create_app(
        "Warmline test", scopes=SCOPES, redirect_uris=OOB, api_base_url=base
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "no API version found" would fail the test
        api = Mastodon(
            client_id=client_id,
            client_secret=client_secret,
            api_base_url=base,
            version_check_mode="created",
        )
    assert api.verify_minimum_version("4.3.0", cached=True)
    assert api.mastodon_api_version == 1
    url = api.auth_request_url(
        scopes=SCOPES, redirect_uris=OOB, state=secrets.token_hex(8), allow_http=True
    )
    code = _sign_in(requests.Session(), url)
    token = api.log_in(code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=True)

    me = api.account_verify_credentials()
    assert me.username == "alice"
    posted = api.status_post("Hello from Mastodon.py")
    assert "Hello from Mastodon.py" in posted.content
    assert [s.id for s in api.timeline_home()] == [posted.id]
    assert api.instance().version == f"4.3.0 (compatible; Warmline {__version__})"
    v2 = api.instance_v2()
    assert v2.api_versions["warmline"] == 1
    assert api.app_verify_credentials().name == "Warmline test"

    api.revoke_access_token(allow_http=True)
    stale = Mastodon(access_token=token, api_base_url=base)
    with pytest.raises(MastodonAPIError):
        stale.account_verify_credentials()


def test_pkce_code_flow_over_plain_http(instance: Any) -> None:
    base = instance.base_url
    app = requests.post(
        f"{base}/api/v1/apps",
        json={"client_name": "pkce", "redirect_uris": OOB, "scopes": "read"},
        timeout=10,
    ).json()
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = requests.compat.urlencode(
        {
            "client_id": app["client_id"],
            "redirect_uri": OOB,
            "response_type": "code",
            "scope": "read",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    code = _sign_in(requests.Session(), f"{base}/oauth/authorize?{query}")
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": OOB,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    }
    missing = requests.post(f"{base}/oauth/token", data=form, timeout=10)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"
    code = _sign_in(requests.Session(), f"{base}/oauth/authorize?{query}")
    ok = requests.post(
        f"{base}/oauth/token", data={**form, "code": code, "code_verifier": verifier}, timeout=10
    )
    assert ok.status_code == 200, ok.text
    token = ok.json()["access_token"]
    me = Mastodon(access_token=token, api_base_url=base).account_verify_credentials()
    assert me.username == "alice"


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


def test_mastodon_py_everyday_endpoints(instance: Any) -> None:
    """What an app does all day, through Mastodon.py, with two members."""
    base = instance.base_url
    assert instance.cli("member", "create", "bob").returncode == 0
    tokens = {
        name: instance.cli("token", "create", name, "--scopes", "read write follow").stdout.strip()
        for name in ("alice", "bob")
    }
    alice = Mastodon(access_token=tokens["alice"], api_base_url=base)
    bob = Mastodon(access_token=tokens["bob"], api_base_url=base)
    bob_account = alice.account_lookup("bob")
    alice_account = bob.account_lookup("alice")

    # Follow, post with a picture and a hashtag, react.
    assert alice.account_follow(bob_account).following is True
    media = bob.media_post(_png(), mime_type="image/png", description="a test card")
    assert media.type == "image" and media.description == "a test card"
    posted = bob.status_post("Hiring in Lyon #python @alice", media_ids=[media])
    assert posted.media_attachments[0].id == media.id
    assert alice.status_favourite(posted).favourited is True
    assert alice.status_bookmark(posted).bookmarked is True
    assert [s.id for s in alice.bookmarks()] == [posted.id]
    assert [s.id for s in alice.timeline_hashtag("python")] == [posted.id]
    assert [t.name for t in alice.search_v2("#pyth", result_type="hashtags").hashtags] == ["python"]
    assert alice.status_context(posted).ancestors == []

    # Notifications: list, filter, dismiss, clear.
    kinds = sorted(n.type for n in bob.notifications())
    assert kinds == ["favourite", "follow"]
    mentions = alice.notifications(types=["mention"])
    assert [n.status.id for n in mentions] == [posted.id]
    bob.notifications_dismiss(bob.notifications(types=["follow"])[0])
    assert [n.type for n in bob.notifications()] == ["favourite"]
    bob.notifications_clear()
    assert bob.notifications() == []

    # Direct messages become a conversation.
    bob.status_post("@alice coffee?", visibility="direct")
    (conversation,) = alice.conversations()
    assert conversation.unread is True and conversation.accounts[0].id == bob_account.id
    assert alice.conversations_read(conversation).unread is False

    # Mutes, blocks, featured accounts, familiar followers, relationships.
    assert alice.account_mute(bob_account).muting is True
    assert [a.id for a in alice.mutes()] == [bob_account.id]
    assert alice.account_unmute(bob_account).muting is False
    assert alice.account_pin(bob_account).endorsed is True
    assert [a.id for a in alice.endorsements()] == [bob_account.id]
    assert bob.account_block(alice_account).blocking is True
    assert [a.id for a in bob.blocks()] == [alice_account.id]
    bob.account_unblock(alice_account)
    (familiar,) = bob.account_familiar_followers(bob_account)
    assert familiar.accounts == []

    # Profile and the start-up calls apps make.
    me = alice.account_update_credentials(
        note="Builds teams", fields=[("Site", "https://a.example")]
    )
    assert "Builds teams" in me.note and me.fields[0].name == "Site"
    assert alice.preferences()["posting:default:visibility"] == "public"
    assert alice.lists() == [] and alice.custom_emojis() == [] and alice.announcements() == []
    assert alice.filters_v2() == [] and alice.trending_tags() == []
    assert bob.status_delete(posted).id == posted.id


def test_mastodon_py_streams_updates_and_notifications(instance: Any) -> None:
    """Mastodon.py finds the streaming address through the instance and follows
    the user stream over WebSocket, as apps do."""
    import threading

    from mastodon import StreamListener

    base = instance.base_url
    assert instance.cli("member", "create", "bob").returncode == 0
    tokens = {
        name: instance.cli("token", "create", name, "--scopes", "read write follow").stdout.strip()
        for name in ("alice", "bob")
    }
    alice = Mastodon(access_token=tokens["alice"], api_base_url=base)
    bob = Mastodon(access_token=tokens["bob"], api_base_url=base)
    alice.account_follow(alice.account_lookup("bob"))
    got: dict[str, Any] = {}
    both = threading.Event()

    class Listener(StreamListener):  # type: ignore[misc]
        def on_update(self, status: Any) -> None:
            got.setdefault("update", status)
            if "notification" in got:
                both.set()

        def on_notification(self, notification: Any) -> None:
            got.setdefault("notification", notification)
            if "update" in got:
                both.set()

    handle = alice.stream_user(Listener(), run_async=True, timeout=5)
    try:
        for _ in range(50):  # the stream is open once the server has subscribed it
            posted = bob.status_post("@alice streaming works")
            if both.wait(0.2):
                break
        assert both.is_set(), got
        assert got["update"].account.acct == "bob" and "streaming works" in got["update"].content
        assert got["notification"].type == "mention"
        assert got["notification"].status.id == got["update"].id
    finally:
        handle.close()
    assert posted.id


def test_mastodon_py_admin_domain_blocks_and_allows(instance: Any) -> None:
    """Mastodon.py's admin calls, as moderation tools use them, with an admin's token."""
    base = instance.base_url
    assert instance.cli("member", "create", "ada", "--admin").returncode == 0
    made = instance.cli("token", "create", "ada", "--scopes", "admin:read admin:write")
    assert made.returncode == 0, made.stderr
    admin = Mastodon(access_token=made.stdout.strip(), api_base_url=base)

    block = admin.admin_create_domain_block(
        "Spam.Example.", severity="suspend", reject_media=True, private_comment="spam wave"
    )
    assert (block.domain, block.severity, block.reject_media) == ("spam.example", "suspend", True)
    assert block.digest == hashlib.sha256(b"spam.example").hexdigest()
    assert block.private_comment == "spam wave" and block.obfuscate is False
    with pytest.raises(MastodonAPIError) as refused:
        admin.admin_create_domain_block("spam.example")
    assert refused.value.args[1:] == (
        422,
        "Unprocessable Entity",
        "There is a block of spam.example already",
    )
    assert [b.id for b in admin.admin_domain_blocks()] == [block.id]
    assert admin.admin_domain_blocks(id=block.id).domain == "spam.example"

    changed = admin.admin_update_domain_block(block, severity="noop", obfuscate=True)
    assert (changed.severity, changed.obfuscate, changed.reject_media) == ("noop", True, True)
    admin.admin_delete_domain_block(block)
    assert admin.admin_domain_blocks() == []
    with pytest.raises(MastodonNotFoundError):
        admin.admin_domain_blocks(id=block.id)

    allowed = admin.admin_create_domain_allow("friends.example")
    assert [a.domain for a in admin.admin_domain_allows()] == ["friends.example"]
    assert admin.admin_domain_allow(allowed).id == allowed.id
    admin.admin_delete_domain_allow(allowed)
    assert admin.admin_domain_allows() == []

    # The scopes alone are not enough: alice is no admin.
    mine = instance.cli("token", "create", "alice", "--scopes", "admin:read").stdout.strip()
    with pytest.raises(MastodonAPIError) as forbidden:
        Mastodon(access_token=mine, api_base_url=base).admin_domain_blocks()
    assert forbidden.value.args[1] == 403


def test_mastodon_py_admin_account_actions(instance: Any) -> None:
    """A moderator's tool: look an account up, limit it, suspend it, and undo both."""
    base = instance.base_url
    assert instance.cli("member", "create", "mo").returncode == 0
    assert instance.cli("member", "role", "mo", "moderator").returncode == 0
    assert instance.cli("member", "create", "carl").returncode == 0
    made = instance.cli("token", "create", "mo", "--scopes", "admin:read admin:write read")
    assert made.returncode == 0, made.stderr
    mo = Mastodon(access_token=made.stdout.strip(), api_base_url=base)
    carl = mo.account_lookup("carl")

    mo.admin_account_moderate(carl, "silence", text="too loud")
    assert mo.admin_account(carl).silenced is True
    mo.admin_account_unsilence(carl)
    mo.admin_account_moderate(carl, "suspend", send_email_notification=False)
    seen = mo.admin_account(carl)
    assert (seen.username, seen.suspended, seen.account.acct) == ("carl", True, "carl")
    assert mo.admin_account_unsuspend(carl).suspended is False
    with pytest.raises(MastodonAPIError) as refused:
        mo.admin_account_moderate(carl, "disable")
    assert refused.value.args[1] == 422
