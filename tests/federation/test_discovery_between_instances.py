"""Two real instances on loopback find each other and verify what they fetch.

Instance A is a ``warmline serve --dev`` process that requires signed fetches
(authorized fetch). Instance B runs in the test's event loop. B resolves
``alice@A`` by WebFinger and fetches her actor with a GET signed by B's
instance actor; A verifies that signature by fetching B's key from B.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from federation.errors import AddressNotAllowed
from federation.httpsig import sign_cavage
from federation.keys import generate_rsa
from server.appkeys import DB, SERVICES
from server.config import FederationSettings
from server.store import accounts as q

AS2 = {"Accept": "application/activity+json"}
STRICT = "[federation]\nauthorized_fetch = true\n"


async def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


@pytest.fixture
def instance_a(server_process: Any) -> Any:
    a = server_process("a", config_text=STRICT)
    made = a.cli("member", "create", "alice", "--display-name", "Alice Archer")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == f"@alice@{a.domain}"
    return a


async def test_b_resolves_and_verifies_a_member_of_a(instance_a: Any, in_process: Any) -> None:
    b = await in_process("b")
    remote = b.app[SERVICES].remote

    alice = await remote.resolve_handle(f"@alice@{instance_a.domain}")

    assert alice.uri == f"{instance_a.base_url}/users/alice"
    assert (alice.username, alice.domain) == ("alice", instance_a.domain)
    assert alice.display_name == "Alice Archer"
    assert alice.inbox_url == f"{instance_a.base_url}/users/alice/inbox"
    assert alice.shared_inbox_url == f"{instance_a.base_url}/inbox"

    # B now holds alice's keys exactly as A publishes them.
    _, published = await get(f"{instance_a.base_url}/actor", AS2)  # the instance actor is public
    key = await remote.get_key(f"{instance_a.base_url}/users/alice#main-key")
    assert key.owner == alice.uri
    async with b.app[DB].read() as conn:
        kinds = sorted(row.kind for row in await q.account_keys(conn, alice.id))
    assert kinds == ["ed25519", "rsa"]
    assert published["type"] == "Application"


async def test_a_refuses_unsigned_fetches_in_authorized_fetch_mode(instance_a: Any) -> None:
    status, body = await get(f"{instance_a.base_url}/users/alice", AS2)
    assert status == 401
    assert "signed" in body["error"]
    # Discovery and the page for people stay open.
    status, _ = await get(
        f"{instance_a.base_url}/.well-known/webfinger?resource=acct:alice@{instance_a.domain}"
    )
    assert status == 200


async def test_a_refuses_a_forged_signature(instance_a: Any, in_process: Any) -> None:
    b = await in_process("b")
    url = f"{instance_a.base_url}/users/alice"
    # Claims to be B's instance actor, but is signed with some other key.
    forged = sign_cavage(
        "GET", url, AS2, None, key_id=f"{b.base_url}/actor#main-key", private_key=generate_rsa()
    )
    status, body = await get(url, {**AS2, **forged})
    assert status == 401
    assert "signature" in body["error"]


async def test_production_mode_refuses_loopback_peers(instance_a: Any, in_process: Any) -> None:
    b = await in_process("prod", dev=False, federation=FederationSettings())
    with pytest.raises(AddressNotAllowed):
        await b.app[SERVICES].remote.fetch_actor(f"https://{instance_a.domain}/users/alice")
    with pytest.raises(AddressNotAllowed):
        await b.app[SERVICES].remote.resolve_handle(f"alice@{instance_a.domain}")
