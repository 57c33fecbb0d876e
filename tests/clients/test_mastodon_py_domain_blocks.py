"""Mastodon.py's domain_block / domain_blocks / domain_unblock against a real
``warmline serve`` process (see test_mastodon_py.py)."""

from __future__ import annotations

from typing import Any

import pytest
from mastodon import Mastodon, MastodonAPIError


def test_mastodon_py_blocks_lists_and_unblocks_servers(server_process: Any) -> None:
    instance = server_process()
    assert instance.cli("member", "create", "alice").returncode == 0
    made = instance.cli("token", "create", "alice", "--scopes", "read write follow")
    assert made.returncode == 0, made.stderr
    api = Mastodon(access_token=made.stdout.strip(), api_base_url=instance.base_url)

    assert api.domain_blocks() == []
    api.domain_block("Spam.Example")
    api.domain_block("https://ads.example/about")
    assert list(api.domain_blocks()) == ["ads.example", "spam.example"]
    first = api.domain_blocks(limit=1)
    assert list(first) == ["ads.example"]
    assert list(api.fetch_next(first)) == ["spam.example"]

    with pytest.raises(MastodonAPIError) as refused:
        api.domain_block("not a domain")
    assert refused.value.args[1] == 422

    api.domain_unblock("spam.example")
    assert list(api.domain_blocks()) == ["ads.example"]
