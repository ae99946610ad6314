"""The files crawlers and browsers ask for at the site's root: robots.txt and favicon.ico.
(/sitemap.xml is django.contrib.sitemaps' view over shop.sitemaps.SITEMAPS.)"""
from __future__ import annotations

import uuid
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


def robots_disallowed_paths() -> list[str]:
    """Private, per-visitor or machine pages: nothing a search result should lead to. Reversed, so
    they follow the URL configuration."""
    any_id = uuid.UUID(int=0)
    return [
        reverse("admin:index"),
        _first_segment(reverse("shop-api:nutrient-list")),  # the whole API
        reverse("shop:cart"),
        reverse("shop:checkout"),
        _parent(reverse("shop:order_confirmation", args=[any_id])),  # every order's page
        _parent(reverse("advisor:result", args=[any_id])),  # every advisor result: a person's answers
        _first_segment(reverse("account_login")),  # login, sign-up and the customer's own pages
    ]


def _first_segment(path: str) -> str:
    """/api/nutrients/ -> /api/"""
    return f"/{path.strip('/').split('/')[0]}/"


def _parent(path: str) -> str:
    """/orders/<id>/ -> /orders/"""
    return path.rstrip("/").rsplit("/", 1)[0] + "/"


@require_safe
@cache_control(max_age=24 * 60 * 60, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in robots_disallowed_paths()]
    lines += ["", f"Sitemap: {settings.SHOP_BASE_URL}{reverse('sitemap')}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@cache
def _favicon_bytes() -> bytes:
    with open(finders.find("img/favicon.ico"), "rb") as icon:
        return icon.read()


@require_safe
@cache_control(max_age=7 * 24 * 60 * 60, public=True)
def favicon_ico(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask for /favicon.ico whatever the page links: the same icon as the
    static one base.html links."""
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")
