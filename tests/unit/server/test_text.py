"""A member's plain text: which handles and hashtags it holds, and the HTML it becomes."""

from __future__ import annotations

import pytest

from server.services.text import Handle, Resolved, parse, render

TAG_URL = "https://a.test/tags/{tag}"
ALICE = Resolved("https://a.test/@alice", "alice", "alice")
BOB = Resolved("https://b.test/@bob", "bob", "bob@b.test")
PEOPLE = {("alice", None): ALICE, ("bob", "b.test"): BOB}


def handles(text: str) -> list[Handle]:
    return parse(text)[0]


def hashtags(text: str) -> list[str]:
    return parse(text)[1]


def html(text: str) -> str:
    return render(text, PEOPLE, TAG_URL)


def mention_html(person: Resolved) -> str:
    return (
        f'<span class="h-card" translate="no"><a href="{person.url}" class="u-url mention">'
        f"@<span>{person.username}</span></a></span>"
    )


def link_html(url: str) -> str:
    return f'<a href="{url}" rel="nofollow noopener noreferrer" target="_blank">{url}</a>'


# --- mentions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@alice hello", [Handle("alice", None)]),
        ("hello @bob@b.test", [Handle("bob", "b.test")]),
        ("ping @dev@127.0.0.1:8080 now", [Handle("dev", "127.0.0.1:8080")]),
        ("thanks @bob@b.test.", [Handle("bob", "b.test")]),
        ("(cc @alice)", [Handle("alice", None)]),
        ("@alice, @bob@b.test: meet", [Handle("alice", None), Handle("bob", "b.test")]),
    ],
    ids=["local", "remote", "with a port", "end of sentence", "in brackets", "two"],
)
def test_mentions_are_found_local_and_remote(text: str, expected: list[Handle]) -> None:
    assert handles(text) == expected


def test_a_handle_mentioned_twice_in_any_case_counts_once() -> None:
    assert handles("@Alice and again @alice and @BOB@B.TEST, @bob@b.test") == [
        Handle("Alice", None),
        Handle("BOB", "B.TEST"),
    ]
    assert Handle("BOB", "B.TEST").key() == ("bob", "b.test")


@pytest.mark.parametrize(
    "text",
    [
        "write to alice@example.com",
        "first.last@example.org or a_b@x.test",
        "see https://b.test/@bob and b.test/@carol",
        "user@@alice",
    ],
    ids=["e-mail", "e-mail variants", "inside URLs", "after another @"],
)
def test_emails_and_urls_are_not_mentions(text: str) -> None:
    assert handles(text) == []


def test_a_resolved_mention_becomes_an_h_card_link() -> None:
    assert html("@alice meet @bob@b.test") == (
        f"<p>{mention_html(ALICE)} meet {mention_html(BOB)}</p>"
    )


def test_a_mention_nobody_could_resolve_stays_plain_text() -> None:
    assert html("hi @carol@c.test and @dave") == "<p>hi @carol@c.test and @dave</p>"


def test_an_email_of_a_known_member_is_not_linked_as_a_mention() -> None:
    assert html("mail alice@a.test") == "<p>mail alice@a.test</p>"


def test_a_mentioned_accounts_url_and_name_are_escaped() -> None:
    odd = Resolved('https://c.test/@x"><script>', "<x>", "x@c.test")

    out = render("@x@c.test", {("x", "c.test"): odd}, TAG_URL)

    assert "<script>" not in out and "<x>" not in out
    assert 'href="https://c.test/@x&quot;&gt;&lt;script&gt;"' in out


# --- hashtags -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#Warmline and #warmline", ["warmline"]),
        ("#café #Straße", ["café", "straße"]),
        ("#one,#two.", ["one", "two"]),
        ("#remote_work", ["remote_work"]),
        ("#2024goals", ["2024goals"]),
    ],
    ids=["case", "non-ascii", "punctuation", "underscore", "starts with a digit"],
)
def test_hashtags_are_found_lower_cased_and_once(text: str, expected: list[str]) -> None:
    assert hashtags(text) == expected


@pytest.mark.parametrize(
    "text",
    ["https://b.test/page#section", "C# and F#", "it&#39;s", "a#b", "#_private", "# heading"],
    ids=["URL fragment", "after a letter", "HTML entity", "inside a word", "underscore", "space"],
)
def test_things_that_are_not_hashtags(text: str) -> None:
    assert hashtags(text) == []


@pytest.mark.parametrize("text", ["fixed in PR #42", "we are #1!"])
def test_a_number_is_not_a_hashtag(text: str) -> None:
    """As on Mastodon: a hashtag needs a letter, or issue numbers become tags."""
    assert hashtags(text) == []
    assert "<a" not in html(text)


def test_a_hashtag_links_to_its_lower_cased_tag_and_keeps_its_spelling() -> None:
    assert html("#RemoteWork") == (
        '<p><a href="https://a.test/tags/remotework" class="mention hashtag" rel="tag">'
        "#<span>RemoteWork</span></a></p>"
    )


# --- links ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "url", "after"),
    [
        ("see https://b.test/page.", "https://b.test/page", "."),
        ("see https://b.test/page, then", "https://b.test/page", ", then"),
        ("really https://b.test/?!", "https://b.test/", "?!"),
        ("(see https://b.test/page)", "https://b.test/page", ")"),
        ('"https://b.test/q"', "https://b.test/q", '"'),
    ],
    ids=["full stop", "comma", "question marks", "closing bracket", "quotes"],
)
def test_trailing_punctuation_is_not_part_of_a_link(text: str, url: str, after: str) -> None:
    out = html(text)

    assert link_html(url) in out
    escaped_after = after.replace('"', "&quot;")
    assert out.split(link_html(url), 1)[1].startswith(escaped_after)


@pytest.mark.parametrize(
    "text",
    [
        "https://en.wikipedia.org/wiki/Python_(programming_language)",
        "read https://en.wikipedia.org/wiki/Python_(programming_language).",
        "(see https://en.wikipedia.org/wiki/Python_(programming_language))",
    ],
    ids=["alone", "end of sentence", "in brackets"],
)
def test_brackets_that_belong_to_a_link_stay_in_it(text: str) -> None:
    url = "https://en.wikipedia.org/wiki/Python_(programming_language)"
    assert link_html(url) in html(text)


def test_a_link_is_escaped_and_its_hashtags_and_mentions_left_alone() -> None:
    out = html("https://b.test/@bob?a=1&b=2#top")

    assert out == "<p>" + link_html("https://b.test/@bob?a=1&amp;b=2#top") + "</p>"
    assert parse("https://b.test/@bob?a=1&b=2#top") == ([], [])


# --- text around them -----------------------------------------------------------------


def test_markup_in_text_is_escaped_not_rendered() -> None:
    assert html('<script>alert("x")</script> & <b>bold</b>') == (
        "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</p>"
    )


def test_blank_lines_make_paragraphs_and_single_newlines_breaks() -> None:
    text = "Dear all,\r\nhello.\n\n\n\nBest,\nAlice\n"

    assert html(text) == "<p>Dear all,<br>hello.</p><p>Best,<br>Alice</p>"


def test_everything_together() -> None:
    text = "Thanks @alice & @bob@b.test for #Intros: https://b.test/x."

    assert html(text) == (
        f"<p>Thanks {mention_html(ALICE)} &amp; {mention_html(BOB)} for "
        '<a href="https://a.test/tags/intros" class="mention hashtag" rel="tag">'
        f"#<span>Intros</span></a>: {link_html('https://b.test/x')}.</p>"
    )
    assert parse(text) == ([Handle("alice", None), Handle("bob", "b.test")], ["intros"])
