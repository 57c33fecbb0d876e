"""Inviting an imported LinkedIn contact who is not here yet, by an email the member sends.

Nothing is sent by the server: each unmatched contact with an email address gets a
``mailto:`` link, with a subject and a short body naming the member and a link to
join this instance, which opens the member's own mail program. What the link can
offer depends on the registration mode (``services.registrations``): invite links
are made by admins only, so a member's email points at the sign-up page, which
works when sign-ups are open or wait for approval; when sign-ups are closed or need
an invite, no link is offered (the page says why).

Everything of a contact came from a file the member uploaded, and is hostile: an
address is used only when it looks like an email address, and every part of the
link is percent-encoded (RFC 6068), so nothing in it can add a recipient, a header
or break out of the link.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from server.services.context import Services
from server.store.accounts import AccountRow
from server.store.linkedin import ContactRow

EMAIL_MAX = 254
NAME_MAX = 100
# An address as the HTML specification's <input type=email> accepts it (ASCII only),
# with a dot in the domain; nothing else is ever put in a link.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
    re.ASCII,
)
_JOINABLE = ("open", "approval")


@dataclass(frozen=True, slots=True)
class InvitePolicy:
    """How a member may invite someone here: the registration mode, and the link to
    send (None when sign-ups are closed or need an invite only admins can make)."""

    mode: str
    join_url: str | None


async def invite_policy(svc: Services) -> InvitePolicy:
    mode = (await svc.site.get()).registrations
    join_url = f"{svc.config.base_url}/signup" if mode in _JOINABLE else None
    return InvitePolicy(mode, join_url)


def plausible_email(value: str | None) -> str | None:
    """``value`` when it looks like an email address (spaces around it dropped), else None."""
    found = (value or "").strip()
    if len(found) > EMAIL_MAX or not _EMAIL.fullmatch(found):
        return None
    if ".." in found or found.startswith(".") or found.split("@", 1)[0].endswith("."):
        return None
    return found


def _plain(value: str, limit: int = NAME_MAX) -> str:
    """One line of text: control and format characters (bidi overrides too) dropped."""
    kept = "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf") else " " for ch in value)
    return " ".join(kept.split())[:limit].strip()


def invite_mailto(
    svc: Services, member: AccountRow, contact: ContactRow, policy: InvitePolicy
) -> str | None:
    """The ``mailto:`` link inviting ``contact`` (unmatched, with a usable email), or None."""
    address = plausible_email(contact.email)
    if address is None or policy.join_url is None or contact.matched_account_id is not None:
        return None
    instance = _plain(svc.config.instance.name) or svc.config.domain
    sender = _plain(member.display_name) or member.username
    handle = f"@{member.username}@{svc.config.domain}"
    greeting = _plain(contact.first_name)
    asks = "ask to join" if policy.mode == "approval" else "join"
    subject = f"Join me on {instance}"
    body = "\r\n".join(
        [
            f"Hi {greeting}," if greeting else "Hi,",
            "",
            f"I'm on {instance}, a professional network we could stay in touch on. "
            f"You can {asks} here: {policy.join_url}",
            "",
            f"You'll find me as {handle}: {svc.urls.profile(member.username)}",
            "",
            sender,
        ]
    )
    return (
        f"mailto:{quote(address, safe='@')}"
        f"?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
    )
