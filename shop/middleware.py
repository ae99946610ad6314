"""The shop's middleware: whole pages for visitors without cookies or with only a cart, from the catalog cache."""
from __future__ import annotations

from collections.abc import Callable

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse

from .catalog_cache import (
    fill_visitor_slots,
    pinned_catalog_version,
    request_for_shared_page,
    shared_page_request,
    shared_page_response,
    shared_page_store,
    with_visitor_slots,
)


class SharedPageCacheMiddleware:
    """Answers visitors without cookies, and shoppers whose session holds only a cart, from whole
    pages cached per catalog version.

    It sits before the session, CSRF, auth and messages middleware: a cached page skips them all
    (a shopper's session is read once, here, for the cart, and never written), and the first render
    of it runs through them as a visitor without cookies, so the stored bytes and headers are what
    those would have produced for such a visitor. The per-visitor parts (CSRF token, cart counts)
    are stored as slots, and every response with slots gets the visitor's own here. Which views and
    visitors qualify and the caching rules live in shop.catalog_cache.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        shared = shared_page_request(request)
        if shared is None:
            return fill_visitor_slots(request, self.get_response(request))
        response = shared_page_response(shared.key)
        if response is None:
            render_request = request_for_shared_page(request)
            with pinned_catalog_version(shared.version):
                # Every shared render has the cart summary's slot in its header (shop.context_processors).
                response = with_visitor_slots(self.get_response(render_request))
            stored = shared_page_store(shared.key, render_request, response)
            if not stored and render_request is not request:
                # Not a page to share (an error, a cookie set): the shopper gets their own full render,
                # never one made for somebody without their cookies.
                return fill_visitor_slots(request, self.get_response(request))
        return fill_visitor_slots(request, response, shared.session)


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, but a session SharedPageCacheMiddleware has already read (to see whether the page
    can be shared) is used as it is, rather than read from the database a second time."""

    def process_request(self, request: HttpRequest) -> None:
        session = getattr(request, "visitor_session", None)
        if session is None:
            super().process_request(request)
        else:
            request.session = session
