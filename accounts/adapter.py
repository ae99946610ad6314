"""allauth's adapter: client addresses come from the project's one rule."""
from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from config.clients import client_address


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's rate limits key on this: the same address as every other per-client limit
        (TRUSTED_PROXY_COUNT), never an X-Forwarded-For entry the client wrote."""
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine the client address")
        return address


def user_display(user) -> str:
    """How allauth's pages and messages name a customer: by their email, never the username it
    generated for them."""
    return user.email
