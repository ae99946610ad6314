"""Shared steps of the accounts tests: read links out of the emails allauth sends."""
from __future__ import annotations

import re

from django.core import mail

LINK = re.compile(r"https?://[^\s\"<>]+")


def link_in_last_email(path_part: str) -> str:
    """The path of the last email's link that contains ``path_part``."""
    body = mail.outbox[-1].body
    for url in LINK.findall(body):
        if path_part in url:
            return re.sub(r"^https?://[^/]+", "", url)
    raise AssertionError(f"no link with {path_part!r} in: {body}")
