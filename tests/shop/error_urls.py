"""The site's URLs plus views that fail on purpose, for the error page tests."""
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config.urls import handler400, handler404, handler500
from config.urls import urlpatterns as site_patterns

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]


def bad_request(request):
    raise SuspiciousOperation("a tampered request")


def forbidden(request):
    raise PermissionDenied


def crash(request):
    raise RuntimeError("something broke")


urlpatterns = [
    path("fail/400/", bad_request),
    path("fail/403/", forbidden),
    path("fail/500/", crash),
    *site_patterns,
]
