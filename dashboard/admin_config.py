"""The admin app with the shop's own site: listed in INSTALLED_APPS instead of django.contrib.admin.

Kept apart from ``dashboard.apps``: Django picks an app's config among the AppConfig classes its
``apps`` module holds, and this one configures another app (``admin``)."""
from django.contrib.admin.apps import AdminConfig


class ShopAdminConfig(AdminConfig):
    default_site = "dashboard.sites.ShopAdminSite"
