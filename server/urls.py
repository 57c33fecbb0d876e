"""The URLs of local things, derived from the configured domain.

One place decides the shape of every id we publish, so the ActivityPub
documents, WebFinger, pages and the API always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    def main_key(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def ed25519_key(self, username: str) -> str:
        return f"{self.actor(username)}#ed25519-key"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    @property
    def instance_key(self) -> str:
        return f"{self.instance_actor}#main-key"

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
