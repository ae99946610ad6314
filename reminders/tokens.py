"""Signed links in emails (django.core.signing). Each kind of link has its own salt, so a token made
for one purpose is refused by the others, and its own lifetime. A link carries only a row's id,
never an address or other personal data, so nothing personal lands in a web server's access log."""
from __future__ import annotations

from datetime import timedelta

from django.core import signing


class LinkInvalid(Exception):
    """The token was tampered with, is for another purpose, or is malformed."""


class LinkExpired(LinkInvalid):
    """The token is genuine but older than its lifetime."""


UNSUBSCRIBE = ("reminders.unsubscribe", timedelta(days=365))
BACK_IN_STOCK_CONFIRM = ("reminders.back-in-stock-confirm", timedelta(days=7))
REORDER = ("reminders.reorder", timedelta(days=60))


def token_make(purpose: tuple[str, timedelta], object_id: int) -> str:
    salt, _ = purpose
    return signing.dumps(object_id, salt=salt)


def token_read(purpose: tuple[str, timedelta], token: str) -> int:
    """The id the token was made for; raises LinkExpired or LinkInvalid."""
    salt, max_age = purpose
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise LinkInvalid from exc
    if not isinstance(value, int) or isinstance(value, bool):
        raise LinkInvalid
    return value
