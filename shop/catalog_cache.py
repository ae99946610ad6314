"""Cached page fragments that every anonymous shopper shares, keyed on the catalog version.

A fragment's key holds the catalog version, read from the database once per request (one query:
the ``CatalogVersion`` row and, on PostgreSQL, the stock counter). Any change shoppers can see
moves that version by the time its transaction has committed (``shop.services.catalog_version``),
so the next request of every web process builds fresh fragments; nothing has to delete keys, which
matters because a Celery worker's stock sync cannot reach a web process's local-memory cache. Old
versions' keys simply expire.

Only shared content is cached: never a CSRF token, a cart or messages. Views render those parts
per request around the cached HTML, or leave slots in it that the shop's middleware fills.
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import import_module
from typing import TypeVar

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache, caches
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.request import split_domain_port
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

from .cart import SESSION_KEY as CART_SESSION_KEY
from .cart import Cart, cart_badge_html, in_cart_note_html
from .models import CatalogVersion
from .services.catalog_version import CATALOG_VERSION_PK, STOCK_VERSION_SEQUENCE, stock_version_sequence_used

T = TypeVar("T")

# What a query-to-key function returns: the canonical query string, or None for "do not cache".
# The functions for the catalog's own pages are in shop.catalog_queries.
CacheQuery = Callable[[QueryDict], "str | None"]


def no_query(query: QueryDict) -> str | None:
    """For pages that read no parameters: cached only when asked for without any."""
    return "" if not query else None


_VERSION_SQL = (
    f"SELECT version, changed_at FROM {CatalogVersion._meta.db_table} WHERE id = %s"  # noqa: S608 - model's table
)
# The stock counter joins the row; the row can be missing (a flushed test database), the sequence not.
_VERSION_WITH_STOCK_SQL = (
    "SELECT version, changed_at, CASE WHEN stock.is_called THEN stock.last_value ELSE 0 END "  # noqa: S608 - as above
    f"FROM {STOCK_VERSION_SEQUENCE} AS stock LEFT JOIN {CatalogVersion._meta.db_table} ON id = %s"
)


# Set while one response is built from several cached parts (``pinned_catalog_version``): they
# then read the version once, and all belong to the same one.
_pinned_version: ContextVar[str | None] = ContextVar("pinned_catalog_version", default=None)


def catalog_version() -> str:
    """The current catalog version as a cache-key part: the counter and when it last moved."""
    pinned = _pinned_version.get()
    if pinned is not None:
        return pinned
    # Plain SQL: this runs on every page view, and the ORM would spend longer building the query
    # than the database spends answering it.
    with_stock = stock_version_sequence_used()
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_WITH_STOCK_SQL if with_stock else _VERSION_SQL, [CATALOG_VERSION_PK])
        row = cursor.fetchone()
    if row is None:
        return "0"
    version = "0" if row[0] is None else f"{row[0]}@{row[1]}"
    return f"{version}/{row[2]}" if with_stock else version


def catalog_cache_key(version: str, name: str, *parts: object) -> str:
    # Parts can be shopper input (a search query) and the version holds a timestamp: hash them
    # into a short key that every cache backend accepts.
    digest = hashlib.sha256(repr((version, parts)).encode()).hexdigest()[:40]
    return f"catalog:{name}:{digest}"


def canonical_site(request: HttpRequest) -> str | None:
    """Where the request was sent (scheme, host and script prefix) as a cache-key part, or None if
    the answer may not be cached.

    Cached answers can hold absolute URLs (the API's) and every page holds links under the script
    prefix, so these are part of their key; each has exactly one canonical spelling, and every
    other one is answered fresh rather than adding entries:

    - the host: Django accepts an allowed host with any port, letter case or trailing dot
      (``127.0.0.1:1``, ``:2``, …, ``:0080``, ``Shop.Example.``), so only a host ALLOWED_HOSTS
      names exactly (a pattern such as ``.example.com`` matches names without end), in lower case,
      without trailing dot and with no port or the server's own, is a key;
    - the script prefix: gunicorn takes it from a ``SCRIPT_NAME`` request header sent from an
      address in its ``forwarded_allow_ips``, so only ``FORCE_SCRIPT_NAME`` (or none) is a key.

    Raises DisallowedHost, as the views would, for a host that is not allowed at all.
    """
    host = request.get_host()
    domain, port = split_domain_port(host)
    if domain not in {allowed.lower() for allowed in settings.ALLOWED_HOSTS}:
        return None
    if host not in (domain, f"{domain}:{request.META.get('SERVER_PORT')}"):
        return None
    script_prefix = request.path.removesuffix(request.path_info)
    if script_prefix != (settings.FORCE_SCRIPT_NAME or "").rstrip("/"):
        return None
    return f"{request.scheme}://{host}{script_prefix}"


def catalog_cache_get(key: str) -> object | None:
    """The value cached under ``key`` (this process's copy first), or None."""
    local = caches["catalog-local"]
    value = local.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            local.set(key, value)
    return value


def catalog_cache_set(key: str, value: object) -> None:
    cache.set(key, value, settings.SHOP_CATALOG_CACHE_SECONDS)
    caches["catalog-local"].set(key, value)


def catalog_cached(version: str, name: str, *parts: object, build: Callable[[], T]) -> T:
    """``build()``'s value for this catalog version and these parts, from the cache when there.

    None ("not found", e.g. an unknown product slug) is never stored: anyone can ask for any
    number of things that do not exist, and each would otherwise take a key. The parts must come
    from a small, fixed set (see shop.catalog_queries) for the same reason.
    """
    key = catalog_cache_key(version, name, *parts)
    value = catalog_cache_get(key)
    if value is None:
        value = build()
        if value is not None:
            catalog_cache_set(key, value)
    return value


def catalog_cached_for_query(name: str, query: QueryDict, cache_query: CacheQuery,
                             build: Callable[[QueryDict], T]) -> T:
    """``build(query)``: cached under the query's canonical form (rendered from that form alone, so
    the key says everything it depends on) if ``cache_query`` gives one, otherwise built fresh from
    the query as sent and stored nowhere."""
    canonical = cache_query(query)
    if canonical is None:
        return build(query)
    return catalog_cached(catalog_version(), name, canonical, build=lambda: build(QueryDict(canonical)))


def render_fragment(template_name: str, context: dict) -> SafeString:
    """Render a shared fragment: no request, so no session, CSRF token or messages can leak in."""
    shared = {
        "shop_name": settings.SHOP_NAME,
        "currency": settings.SHOP_CURRENCY,
        "low_stock_threshold": settings.SHOP_LOW_STOCK_THRESHOLD,
    }
    return mark_safe(render_to_string(template_name, {**shared, **context}))  # noqa: S308 - template output


# --- Whole pages shared by visitors -----------------------------------------------------------------
# A visitor who sends no cookie at all (the first page of a visit, a link from a newsletter) has no
# session, cart, messages or login, and a shopper whose session holds nothing but a cart differs
# from them only in the cart: so the whole response is cached per catalog version and path, with
# slots for what differs per visitor (the CSRF token, the header's cart count, the product page's
# "you have N in your cart"), which the shop's middleware fills for each. Anyone else (logged in,
# messages waiting, an advisor quiz in progress, any other cookie) goes through the views as usual.


# Stand in for the per-visitor parts of a shared page; never sent to anyone: fill_visitor_slots puts
# each visitor's own there. They start with "<": everything a product says (name, description,
# supplier text) is autoescaped, which turns every "<" into "&lt;", so no product content can ever
# contain one. (Marked safe so that templates write them as they are.)
CSRF_TOKEN_SLOT = mark_safe("<!--csrf-token-slot-->")  # noqa: S105, S308 - a placeholder, not a secret
CART_SUMMARY_SLOT = mark_safe("<!--cart-summary-slot-->")  # noqa: S308 - a constant
_IN_CART_SLOT = re.compile(rb"<!--in-cart-slot:(\d+)-->")


def in_cart_slot(product_id: int) -> SafeString:
    """The slot for how many of this product the visitor's cart holds."""
    return mark_safe(f"<!--in-cart-slot:{int(product_id)}-->")  # noqa: S308 - an int in a constant


@dataclass(frozen=True)
class SharedPage:
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    visitor_slots: bool = False  # the content may hold slots to fill per visitor


def shared_page(query: CacheQuery = no_query) -> Callable:
    """Mark a view whose response to a visitor without cookies every such visitor can share.

    Only for views that read nothing from the session but the cart, and render the CSRF token and
    the cart only through the slots above (the header does, through the ``shop`` context
    processor). ``query(request.GET)`` gives the canonical query string the page is cached under,
    or None for a request that is rendered fresh (shop.catalog_queries); the view must then render
    the page from that canonical query alone, so the key says everything the page depends on. By
    default only a request without a query string is shared.
    """
    def mark(view: Callable) -> Callable:
        view.shared_page_query = query
        return view
    return mark


@functools.lru_cache(maxsize=1024)
def _shared_page_rule(path: str, urlconf: str) -> CacheQuery | None:
    # Remembered per path and URLconf: every request would otherwise resolve its URL twice (here
    # and in Django's handler).
    try:
        return getattr(resolve(path, urlconf).func, "shared_page_query", None)
    except Resolver404:
        return None


@dataclass(frozen=True)
class SharedPageRequest:
    key: str
    version: str
    # The visitor's session when they sent cookies (it holds a cart at most), None when they sent none.
    session: SessionBase | None = None


def _cart_only_session(request: HttpRequest) -> SessionBase | None:
    """The visitor's session if their cookies say nothing but the session and the CSRF token and
    the session holds nothing but a cart; None otherwise (the page is then rendered in full).

    Anything else in the session (a login, messages, an advisor quiz, allauth's state) can change
    the page or needs the full middleware chain; an unknown or expired session key is answered in
    full too, so that the session middleware deletes its cookie as usual.
    """
    cookies = request.COOKIES
    if not cookies.keys() <= {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(cookies.get(settings.SESSION_COOKIE_NAME))
    # Read once: if the page is rendered in full, the session middleware takes this one (shop.middleware).
    request.visitor_session = session
    if settings.SESSION_COOKIE_NAME in cookies and not (session.keys() and session.keys() <= {CART_SESSION_KEY}):
        return None
    return session


def shared_page_request(request: HttpRequest) -> SharedPageRequest | None:
    """Where this request's page is cached, if the request may share a cached page at all."""
    if request.method != "GET" or request.META.get("HTTP_AUTHORIZATION"):
        return None
    cache_query = _shared_page_rule(request.path_info, getattr(request, "urlconf", None) or settings.ROOT_URLCONF)
    if cache_query is None:
        return None
    canonical = cache_query(request.GET)
    if canonical is None:
        return None
    # The site (scheme, host, script prefix): a page never crosses sites, should it ever hold an
    # absolute URL.
    site = canonical_site(request)
    if site is None:
        return None
    session = None
    if request.META.get("HTTP_COOKIE"):
        # Only a WSGI request can be copied without its cookies to render the shared page.
        if not isinstance(request, WSGIRequest):
            return None
        session = _cart_only_session(request)
        if session is None:
            return None
    version = catalog_version()
    key = catalog_cache_key(version, "page", site, request.path_info, canonical)
    return SharedPageRequest(key, version, session)


def request_for_shared_page(request: HttpRequest) -> HttpRequest:
    """The request the shared page is rendered for: this one as a visitor without cookies sends it,
    marked so that the per-visitor parts are rendered as slots."""
    if request.META.get("HTTP_COOKIE"):
        request = WSGIRequest({name: value for name, value in request.environ.items() if name != "HTTP_COOKIE"})
    request.renders_shared_page = True
    return request


def shared_page_response(key: str) -> HttpResponse | None:
    page = catalog_cache_get(key)
    if page is None:
        return None
    response = HttpResponse(page.content, status=page.status)
    for name, value in page.headers:
        response.headers[name] = value
    response.visitor_slots = page.visitor_slots
    return response


def with_visitor_slots(response: HttpResponse) -> HttpResponse:
    """Mark a response whose HTML holds the slots above: the shop's middleware fills them."""
    response.visitor_slots = True
    return response


def fill_visitor_slots(
    request: HttpRequest, response: HttpResponse, session: SessionBase | None = None
) -> HttpResponse:
    """Put this visitor's own CSRF token and cart counts in the slots, and set the CSRF cookie, as a
    full render would. ``session`` is the visitor's (a request that went through the session
    middleware has its own; a visitor without cookies has none, hence an empty cart)."""
    if not getattr(response, "visitor_slots", False):
        return response
    if session is None:
        session = getattr(request, "session", None)
    cart = Cart(session) if session is not None else None
    item_count = cart.item_count if cart is not None else 0
    content = response.content.replace(CART_SUMMARY_SLOT.encode(), cart_badge_html(item_count).encode())
    content = _IN_CART_SLOT.sub(
        lambda slot: in_cart_note_html(cart.quantity_of(int(slot[1])) if cart is not None else 0).encode(), content
    )
    has_csrf_token_slot = CSRF_TOKEN_SLOT.encode() in content
    if has_csrf_token_slot:
        if "CSRF_COOKIE" not in request.META:
            # A cached page skipped the CSRF middleware: read the visitor's token from their cookie
            # (keeping it, so forms in their other tabs stay valid), or have a new one made.
            _CSRF_MIDDLEWARE.process_request(request)
        content = content.replace(CSRF_TOKEN_SLOT.encode(), get_token(request).encode())
    response.content = content
    if response.has_header("Content-Length"):
        response.headers["Content-Length"] = str(len(response.content))
    response.visitor_slots = False
    if not has_csrf_token_slot:
        return response
    # What CsrfViewMiddleware does on the way out when get_token() made a new token: set the
    # cookie and add Vary: Cookie. This runs outside it, so it is asked to do the same here.
    return _CSRF_MIDDLEWARE.process_response(request, response)


_CSRF_MIDDLEWARE = CsrfViewMiddleware(lambda request: HttpResponse())


@contextmanager
def pinned_catalog_version(version: str) -> Iterator[None]:
    token = _pinned_version.set(version)
    try:
        yield
    finally:
        _pinned_version.reset(token)


def shared_page_store(key: str, request: HttpRequest, response: HttpResponse) -> bool:
    """Cache the page, unless it is anything but a plain 200 without cookies; whether it was."""
    patch_vary_headers(response, ("Cookie",))
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or response.has_header("Set-Cookie")
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    ):
        return False
    catalog_cache_set(
        key,
        SharedPage(response.status_code, tuple(response.items()), response.content, response.visitor_slots),
    )
    return True
