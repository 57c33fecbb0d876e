"""The URLs of local things, derived from the configured domain.

One place decides the shape of every id we publish, so the ActivityPub
documents, WebFinger, pages and the API always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from server import ids

INSTANCE_ACTOR_USERNAME = "instance.actor"


@dataclass(frozen=True, slots=True)
class Urls:
    base: str  # e.g. "https://example.org"

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{username}"

    def inbox(self, username: str) -> str:
        return f"{self.actor(username)}/inbox"

    def outbox(self, username: str) -> str:
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        return f"{self.actor(username)}/following"

    def connections(self, username: str) -> str:
        """The member's connections collection (``wl:connections``)."""
        return f"{self.actor(username)}/connections"

    def moderators(self, username: str) -> str:
        """A group's moderators collection (as Lemmy's ``attributedTo``)."""
        return f"{self.actor(username)}/moderators"

    def main_key(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def ed25519_key(self, username: str) -> str:
        return f"{self.actor(username)}#ed25519-key"

    def status(self, username: str, status_id: int) -> str:
        return f"{self.actor(username)}/statuses/{status_id}"

    def status_page(self, username: str, status_id: int) -> str:
        return f"{self.profile(username)}/{status_id}"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{name}"

    def follow_activity(self, username: str, follow_id: int) -> str:
        return f"{self.actor(username)}#follows/{follow_id}"

    def like_activity(self, username: str, favourite_id: int) -> str:
        return f"{self.actor(username)}#likes/{favourite_id}"

    def activity(self, username: str, kind: str, object_id: int) -> str:
        """Ids for activities that need no row of their own (accepts, undos, updates)."""
        return f"{self.actor(username)}#{kind}/{object_id}"

    @property
    def default_avatar(self) -> str:
        return f"{self.base}/static/avatar.png"

    def avatar(self, url: str | None) -> str:
        """An account's picture, or the instance's default one."""
        return self.local(url) or self.default_avatar

    def local(self, url: str | None) -> str:
        """A stored URL made absolute: local images are kept as ``/media/NAME``."""
        if url and url.startswith("/"):
            return f"{self.base}{url}"
        return url or ""

    def media(self, name: str) -> str:
        return f"{self.base}/media/{name}"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    @property
    def instance_key(self) -> str:
        return f"{self.instance_actor}#main-key"

    def local_username(self, uri: str) -> str | None:
        """The member an actor URI of ours names, if it is one."""
        prefix = f"{self.base}/users/"
        if not uri.startswith(prefix):
            return None
        rest = uri[len(prefix) :].split("#", 1)[0]
        return rest if rest and "/" not in rest else None

    def local_status_id(self, uri: str) -> int | None:
        """The status id a status URI (or page URL) of ours names, if it is one."""
        for prefix in (f"{self.base}/users/", f"{self.base}/@"):
            if uri.startswith(prefix):
                parts = uri[len(prefix) :].split("#", 1)[0].split("/")
                tail = (
                    parts[2]
                    if len(parts) == 3 and parts[1] == "statuses"
                    else (parts[1] if len(parts) == 2 and prefix.endswith("@") else None)
                )
                if tail:
                    return ids.parse(tail)
        return None

    def key_ids(self, username: str) -> dict[str, str]:
        """Key ids of a local account by key kind."""
        if username == INSTANCE_ACTOR_USERNAME:
            return {"rsa": self.instance_key, "ed25519": f"{self.instance_actor}#ed25519-key"}
        return {"rsa": self.main_key(username), "ed25519": self.ed25519_key(username)}

    def actor_for(self, username: str) -> str:
        """The actor id of a local account, the instance actor included."""
        if username == INSTANCE_ACTOR_USERNAME:
            return self.instance_actor
        return self.actor(username)
