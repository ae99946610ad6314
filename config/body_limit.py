"""A ceiling on every request body, by the part of the site it is sent to, checked before anything
reads the body.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files: a multipart file part of any size,
sent to any form, is streamed to a temporary file before a view could refuse it. So each part of the
site gets a ceiling on the whole body: the API its own small one (answers, a login), the admin room
for one product image and its form, and the storefront (whose forms take no files) the same ceiling
as Django's form data. Django reads no body without a Content-Length, so the header is all there is
to check.
"""
from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from .api import api_body_too_large_response, is_api_request


def body_limit_for(request: HttpRequest) -> int:
    """The largest body, in bytes, this request may declare."""
    if is_api_request(request):
        return settings.API_MAX_BODY_BYTES
    if request.path.startswith(reverse("admin:index")):
        return settings.SHOP_IMAGE_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def declared_body_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body for a Content-Length it cannot parse


class RequestBodyLimitMiddleware:
    """Answer a body over its ceiling with a 413 (in the API's error format under /api/), unread."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit_for(request)
        if declared_body_length(request) <= limit:
            return self.get_response(request)
        if is_api_request(request):
            return api_body_too_large_response()
        return render(request, "413.html", {"limit_kb": limit // 1024}, status=413)
