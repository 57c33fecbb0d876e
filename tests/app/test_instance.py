"""The instance API, NodeInfo hints and the endpoints apps call on start."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from server import __version__
from server.services import posts
from tests.apiclient import member


async def test_instance_v1_and_v2(start, tmp_path) -> None:  # type: ignore[no-untyped-def]
    config_file = tmp_path / "warmline.toml"
    config_file.write_text('[instance]\ncontact_username = "alice"\n')
    client = await start(config_file=str(config_file))
    alice = await member(client, "alice")
    await alice.post("/api/v1/statuses", data={"status": "hello"})
    expected = f"4.3.0 (compatible; Warmline {__version__})"
    for path in ("/api/v1/instance", "/api/v1/instance/"):
        v1 = await (await client.get(path)).json()
        assert v1["version"] == expected and v1["uri"] == "a.test"
        assert v1["registrations"] is True and v1["approval_required"] is True  # the default
        assert v1["configuration"]["statuses"]["max_characters"] == posts.MAX_CHARS
        assert v1["stats"] == {"user_count": 1, "status_count": 1, "domain_count": 0}
        assert v1["contact_account"]["username"] == "alice"
    v2 = await (await client.get("/api/v2/instance/")).json()
    assert v2["version"] == expected and v2["domain"] == "a.test"
    assert v2["api_versions"] == {"mastodon": 1, "warmline": 1}
    assert v2["registrations"]["enabled"] is True and v2["registrations"]["approval_required"]
    assert v2["registrations"]["url"] == "http://a.test/signup"
    assert v2["configuration"]["statuses"]["max_characters"] == posts.MAX_CHARS
    assert v2["contact"]["account"]["username"] == "alice"


async def test_no_contact_account_when_none_is_set(client: TestClient) -> None:
    v1 = await (await client.get("/api/v1/instance")).json()
    v2 = await (await client.get("/api/v2/instance")).json()
    assert v1["contact_account"] is None and v2["contact"]["account"] is None


async def test_nodeinfo_hints(client: TestClient) -> None:
    for version in ("2.0", "2.1"):
        body = await (await client.get(f"/nodeinfo/{version}")).json()
        assert body["metadata"]["upstream"]["name"] == "mastodon"
        assert body["software"]["name"] == "warmline"


async def test_startup_endpoints(client: TestClient) -> None:
    alice = await member(client, "alice")
    for path in (
        "/api/v1/lists",
        "/api/v1/followed_tags",
        "/api/v1/filters",
        "/api/v2/filters",
        "/api/v1/announcements",
        "/api/v1/custom_emojis",
        "/api/v1/trends",
        "/api/v1/trends/tags",
        "/api/v1/trends/statuses",
        "/api/v1/trends/links",
    ):
        assert await alice.get(path) == []
    assert await alice.get("/api/v1/markers") == {}
    prefs = await alice.get("/api/v1/preferences")
    assert prefs["posting:default:visibility"] == "public"
    saved = await alice.post("/api/v1/markers", json={"home": {"last_read_id": "42"}})
    assert saved["home"]["last_read_id"] == "42" and saved["home"]["updated_at"].endswith("Z")
    form = await alice.post("/api/v1/markers", data={"notifications[last_read_id]": "7"})
    assert list(form) == ["notifications"]
    # Public ones need no token; member ones do, with the right scope.
    assert (await client.get("/api/v1/custom_emojis")).status == 200
    for path in ("/api/v1/lists", "/api/v1/preferences", "/api/v1/markers"):
        resp = await client.get(path)
        assert resp.status == 401 and "error" in await resp.json()
