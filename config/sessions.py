"""The session serializer, with a ceiling on what one session may hold.

Every session engine serializes the session's data through ``SESSION_SERIALIZER`` before it stores
it, so this is the one place that sees every write, whichever view made it, and sees it before
compression (highly repetitive junk compresses to almost nothing, but would still be loaded into
memory on every request). A session larger than ``SESSION_MAX_BYTES`` is refused: the request is
answered with a 400 and nothing is stored. The shop's own sessions hold a cart of at most
``SHOP_MAX_CART_LINES`` lines, the advisor quiz's typed answers and the login: a few kilobytes.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.sessions.serializers import JSONSerializer
from django.core.exceptions import SuspiciousOperation


class SessionTooLarge(SuspiciousOperation):
    """Logged on django.security.SessionTooLarge; Django answers it with a 400."""


class BoundedJSONSerializer(JSONSerializer):
    def dumps(self, obj: Any) -> bytes:
        data = super().dumps(obj)
        if len(data) > settings.SESSION_MAX_BYTES:
            raise SessionTooLarge(
                f"Refused to store a session of {len(data)} bytes (SESSION_MAX_BYTES is {settings.SESSION_MAX_BYTES})."
            )
        return data
