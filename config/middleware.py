"""Security headers Django 5.2 does not set itself.

Django 6.0 ships a Content-Security-Policy middleware; until the project moves to it, this one
reads the same ``SECURE_CSP`` setting (a dict of directive -> list of sources), so the upgrade is
swapping the middleware's dotted path.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def build_policy(directives: Mapping[str, Sequence[str] | bool]) -> str:
    """``{"default-src": ["'self'"], "upgrade-insecure-requests": True}`` -> the header value."""
    parts = []
    for directive, sources in directives.items():
        if sources is True:
            parts.append(directive)
        elif sources:
            parts.append(f"{directive} {' '.join(sources)}")
    return "; ".join(parts)


# Written into the head of Django's technical 404 and 500 pages (django/views/templates/technical_*.html).
DEBUG_PAGE_MARK = b'<meta name="robots" content="NONE,NOARCHIVE">'


def _is_django_debug_page(response: HttpResponse) -> bool:
    return (
        response.status_code in (404, 500)
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and DEBUG_PAGE_MARK in response.content[:1024]
    )


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response that lacks them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.content_security_policy = build_policy(settings.SECURE_CSP)
        self.permissions_policy = settings.SECURE_PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and _is_django_debug_page(response):
            # Django's technical 404 and 500 pages (DEBUG only) carry inline styles and a script:
            # under the policy they would be unstyled and their toggles dead.
            return response
        if self.content_security_policy:
            response.headers.setdefault("Content-Security-Policy", self.content_security_policy)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response
