from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The staff dashboard on the admin's index page. It reads shop, stock_sync and advisor, which
    know nothing of it; the admin site that shows it is in ``dashboard.sites``."""

    name = "dashboard"
    verbose_name = "Staff dashboard"
