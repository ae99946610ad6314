"""The shop's middleware: whole pages for visitors without cookies, from the catalog cache."""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .catalog_cache import (
    fill_csrf_token_slot,
    pinned_catalog_version,
    shared_page_request,
    shared_page_response,
    shared_page_store,
)


class SharedPageCacheMiddleware:
    """Answers visitors without cookies from whole pages cached per catalog version.

    It sits before the session, CSRF, auth and messages middleware: a cached page skips them all,
    and the first render of it runs through them, so the stored bytes and headers are what those
    would have produced. A page that carries a CSRF token (the product page) is stored with a slot
    in its place, and every response with a slot gets the visitor's own token and cookie here.
    Which views qualify and the caching rules live in shop.catalog_cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        shared = shared_page_request(request)
        if shared is None:
            return fill_csrf_token_slot(request, self.get_response(request))
        response = shared_page_response(shared.key)
        if response is None:
            with pinned_catalog_version(shared.version):
                response = self.get_response(request)
            shared_page_store(shared.key, request, response)
        # A page with a CSRF token is stored with a slot for it; each visitor gets a token of their own.
        return fill_csrf_token_slot(request, response)
