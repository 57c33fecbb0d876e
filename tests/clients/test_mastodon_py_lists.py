"""Mastodon.py's list calls against a real ``warmline serve`` process."""

from __future__ import annotations

from typing import Any

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

SCOPES = "read write follow"


@pytest.fixture
def instance(server_process: Any) -> Any:
    proc = server_process()
    for name in ("alice", "bob", "carol"):
        assert proc.cli("member", "create", name).returncode == 0
    return proc


def test_mastodon_py_lists_their_accounts_and_timeline(instance: Any) -> None:
    base = instance.base_url
    apis = {
        name: Mastodon(
            access_token=instance.cli("token", "create", name, "--scopes", SCOPES).stdout.strip(),
            api_base_url=base,
        )
        for name in ("alice", "bob", "carol")
    }
    alice, bob, carol = apis["alice"], apis["bob"], apis["carol"]
    bob_id = bob.account_verify_credentials().id
    carol_id = carol.account_verify_credentials().id

    made = alice.list_create("Clients")
    assert (made.title, made.replies_policy, made.exclusive) == ("Clients", "list", False)
    with pytest.raises(MastodonAPIError) as refused:
        alice.list_accounts_add(made, [bob_id])
    assert "You must follow" in str(refused.value)
    alice.account_follow(bob_id)
    alice.account_follow(carol_id)
    alice.list_accounts_add(made, [bob_id, carol_id])
    assert sorted(a.username for a in alice.list_accounts(made)) == ["bob", "carol"]
    assert [x.id for x in alice.account_lists(bob_id)] == [made.id]

    posted = bob.status_post("Bob for the list")
    carol.status_post("Carol for the list")
    found = alice.timeline_list(made, limit=1)
    assert [s.content for s in found] == ["<p>Carol for the list</p>"]
    older = alice.fetch_next(found)
    assert [s.id for s in older] == [posted.id]

    alice.list_accounts_delete(made, [carol_id])
    assert [a.username for a in alice.list_accounts(made)] == ["bob"]
    changed = alice.list_update(made, "Key clients", replies_policy="none", exclusive=True)
    assert (changed.title, changed.replies_policy, changed.exclusive) == (
        "Key clients",
        "none",
        True,
    )
    assert [x.title for x in alice.lists()] == ["Key clients"]
    with pytest.raises(MastodonNotFoundError):
        bob.list(made.id)
    alice.list_delete(made)
    assert alice.lists() == []
