"""What templates show of people and posts, shaped once per page.

``Views.load()`` reads what a whole page of posts needs in one connection and
at most five statements (boosted posts, images, authors, counts when asked
for, the viewer's likes, boosts and bookmarks in one; a sixth, the events'
rows, when some of the posts are events), with the same store
functions as the client API's ``Presenter``, but not what pages never show
(mentions, tag names, every author's counts); this module turns those rows
into small view objects. Links to people
and posts stay on this instance (``/@bob@other.example``), so a member can act
on anyone from here; the canonical URL is kept for "view on their server".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from markupsafe import Markup

from server.services import images, media, objects
from server.services.context import Services
from server.store import accounts as accounts_q
from server.store import events as events_q
from server.store import interactions as interactions_q
from server.store import media as media_q
from server.store import stats as stats_q
from server.store import statuses as statuses_q
from server.store.accounts import AccountRow
from server.store.events import EventRow
from server.store.interactions import ViewerMarks
from server.store.media import MediaRow
from server.store.stats import Stats
from server.store.statuses import StatusRow
from server.web.eventtime import EventChip, chip


@dataclass(frozen=True, slots=True)
class PersonView:
    id: int
    username: str
    name: str  # display name, else username
    handle: str  # @user@domain, always with the domain
    acct: str  # user (local) or user@domain: what follows "/@" in our URLs
    path: str  # this instance's page for them
    url: str  # their canonical page (ours for local members)
    avatar: str
    headline: str
    location: str
    is_local: bool
    locked: bool
    bot: bool
    group: bool = False  # a group's account: its page is the group's (joined, not connected)


def local_path(svc: Services, url: str) -> str:
    """An absolute URL of ours as a path (pages link within the instance as it is
    reached, e.g. through 127.0.0.1 in development); anything else unchanged."""
    base = svc.urls.base
    if url.startswith(base + "/"):
        return url[len(base) :]
    return url


def person(svc: Services, account: AccountRow) -> PersonView:
    acct = objects.acct(svc, account)
    domain = account.domain or svc.config.domain
    return PersonView(
        id=account.id,
        username=account.username,
        name=account.display_name or account.username,
        handle=f"@{account.username}@{domain}",
        acct=acct,
        path=f"/@{acct}",
        url=objects.profile_url(svc, account),
        avatar=local_path(svc, svc.urls.avatar(account.avatar_url)),
        headline=account.headline,
        location=account.location,
        is_local=account.is_local,
        locked=account.locked,
        bot=account.actor_type in ("Service", "Application"),
        group=account.actor_type == "Group",
    )


@dataclass(frozen=True, slots=True)
class ImageView:
    url: str
    preview: str
    description: str
    width: int | None
    height: int | None

    @property
    def srcset(self) -> str:
        """The preview (at most ``THUMBNAIL_SIDE`` px a side) and the image itself by
        width, so a post's column wider than the preview is not filled with a blur;
        "" when there is only one (a remote image, or its size unknown)."""
        if not self.width or not self.height or self.url == self.preview:
            return ""
        side = max(self.width, self.height)
        small = min(self.width, round(self.width * images.THUMBNAIL_SIDE / side))
        return f"{self.preview} {small}w, {self.url} {self.width}w"


@dataclass(frozen=True, slots=True)
class PostView:
    id: int
    author: PersonView
    content: Markup  # sanitised HTML, ours rendered or theirs cleaned (nh3)
    spoiler: str
    sensitive: bool
    visibility: str
    created_at: datetime
    edited: bool
    path: str  # this instance's page for the post and its thread
    url: str  # its canonical page
    images: tuple[ImageView, ...]
    replies: int
    boosts: int
    likes: int
    liked: bool
    boosted: bool
    bookmarked: bool
    mine: bool
    in_reply_to_id: int | None
    boosted_by: PersonView | None = None  # shown as "Bob boosted" above the post
    boost_id: int | None = None  # the boost's own id (timelines page by it)
    reply_to: PersonView | None = None  # shown as "Replying to Bob"
    source_text: str = ""  # what the author typed (ours only: the edit form starts from it)
    depth: int = 0  # in a thread: how far below the post in focus
    event: EventChip | None = None  # a post of an event: its title, date and page

    @property
    def key(self) -> int:
        """What a card's element ids are made from: the boost's id for a boost (a
        post and a boost of it can both be on a page), else the post's."""
        return self.boost_id or self.id


def image_view(svc: Services, row: MediaRow) -> ImageView:
    return ImageView(
        url=local_path(svc, media.url(svc, row)),
        preview=local_path(svc, media.preview_url(svc, row)),
        description=row.description,
        width=row.width,
        height=row.height,
    )


@dataclass(slots=True)
class Loaded:
    """The rows behind a page's views, by id."""

    accounts: dict[int, AccountRow] = field(default_factory=dict)
    statuses: dict[int, StatusRow] = field(default_factory=dict)
    media: dict[int, list[MediaRow]] = field(default_factory=dict)
    stats: dict[int, Stats] = field(default_factory=dict)
    events: dict[int, EventRow] = field(default_factory=dict)  # posts of events, by id
    marks: ViewerMarks = field(default_factory=ViewerMarks)

    @property
    def favourited(self) -> frozenset[int]:
        return self.marks.favourited

    @property
    def reblogged(self) -> frozenset[int]:
        return self.marks.reblogged

    @property
    def bookmarked(self) -> frozenset[int]:
        return self.marks.bookmarked


class Views:
    """Shapes people and posts for one viewer, after one batched load."""

    def __init__(self, svc: Services, viewer: AccountRow | None) -> None:
        self.svc = svc
        self.viewer = viewer
        self.loaded = Loaded()

    async def load(
        self,
        statuses: Sequence[StatusRow] = (),
        account_ids: Iterable[int] = (),
        *,
        people: Iterable[AccountRow] = (),
        stats_of: Iterable[int] = (),
    ) -> Views:
        """Load what ``statuses`` show and the accounts ``account_ids``; ``people``
        are accounts the caller has already read (not read again), ``stats_of``
        the accounts whose counts the page shows."""
        loaded = self.loaded
        loaded.accounts.update((a.id, a) for a in people)
        loaded.statuses.update((s.id, s) for s in statuses)
        boosted = {s.reblog_of_id for s in statuses if s.reblog_of_id} - loaded.statuses.keys()
        replied = (s.in_reply_to_account_id for s in statuses if s.in_reply_to_account_id)
        wanted = {*account_ids, *replied}
        counted = set(stats_of)
        if not (statuses or wanted - loaded.accounts.keys() or counted):
            return self
        async with self.svc.db.read() as conn:
            if boosted:
                loaded.statuses.update(await statuses_q.get_statuses(conn, boosted))
            ids = list(loaded.statuses)
            if ids:
                loaded.media.update(await media_q.for_statuses(conn, ids))
            events = [s.id for s in loaded.statuses.values() if s.object_type == "Event"]
            if events:  # a sixth statement, only for a page with posts of events
                loaded.events.update(await events_q.get_events(conn, events))
            wanted |= {s.account_id for s in loaded.statuses.values()}
            missing = wanted - loaded.accounts.keys()
            if missing:
                loaded.accounts.update(await accounts_q.get_accounts(conn, missing))
            if counted:
                loaded.stats.update(await stats_q.get_stats(conn, counted))
            if self.viewer is not None and ids:
                loaded.marks = await interactions_q.viewer_marks(conn, self.viewer.id, ids)
        return self

    def person(self, account: AccountRow) -> PersonView:
        return person(self.svc, account)

    def person_by_id(self, account_id: int) -> PersonView | None:
        found = self.loaded.accounts.get(account_id)
        return person(self.svc, found) if found else None

    def post(self, status: StatusRow) -> PostView | None:
        """A post as shown; a boost shows the boosted post, with who boosted it."""
        loaded = self.loaded
        if status.reblog_of_id is not None:
            original = loaded.statuses.get(status.reblog_of_id)
            booster = loaded.accounts.get(status.account_id)
            if original is None or booster is None:
                return None
            shown = self._post(original)
            if shown is None:
                return None
            return _with_booster(shown, person(self.svc, booster), status.id)
        return self._post(status)

    def posts(self, statuses: Sequence[StatusRow]) -> list[PostView]:
        return [p for p in map(self.post, statuses) if p is not None]

    def _post(self, status: StatusRow) -> PostView | None:
        svc, loaded = self.svc, self.loaded
        author = loaded.accounts.get(status.account_id)
        if author is None or status.deleted_at is not None:
            return None
        shown = person(svc, author)
        replied = loaded.accounts.get(status.in_reply_to_account_id or 0)
        return PostView(
            id=status.id,
            author=shown,
            content=Markup(status.content),
            spoiler=status.spoiler_text,
            sensitive=status.sensitive,
            visibility=status.visibility,
            created_at=status.created_at,
            edited=status.edited_at is not None,
            path=f"{shown.path}/{status.id}",
            url=local_path(svc, objects.status_url(svc, status, author)),
            images=tuple(image_view(svc, m) for m in loaded.media.get(status.id, [])),
            replies=status.replies_count,
            boosts=status.reblogs_count,
            likes=status.favourites_count,
            liked=status.id in loaded.favourited,
            boosted=status.id in loaded.reblogged,
            bookmarked=status.id in loaded.bookmarked,
            mine=self.viewer is not None and self.viewer.id == author.id,
            in_reply_to_id=status.in_reply_to_id,
            reply_to=person(svc, replied) if replied and replied.id != author.id else None,
            source_text=(status.source_text or "") if status.local else "",
            event=chip(loaded.events[status.id]) if status.id in loaded.events else None,
        )


def _with_booster(post: PostView, booster: PersonView, boost_id: int) -> PostView:
    return replace(post, boosted_by=booster, boost_id=boost_id)
