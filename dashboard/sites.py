"""The shop's admin site: the index opens on the staff dashboard, and the shop's apps come first."""
from __future__ import annotations

from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse

from .selectors import staff_dashboard

# Most-used first; every other app follows in Django's (alphabetical) order.
APP_ORDER = ("shop", "stock_sync", "advisor", "accounts")


class ShopAdminSite(AdminSite):
    site_header = "VitaShop staff"
    site_title = "VitaShop staff"
    index_title = "Dashboard"
    index_template = "dashboard/index.html"

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        rank = {label: position for position, label in enumerate(APP_ORDER)}
        app_list = super().get_app_list(request, app_label)
        return sorted(app_list, key=lambda app: rank.get(app["app_label"], len(rank)))

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        context = {**(extra_context or {}), "dashboard": staff_dashboard(request.user)}
        return super().index(request, extra_context=context)
