from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import health
from shop import seo_views
from shop.sitemaps import SITEMAPS

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("robots.txt", seo_views.robots_txt, name="robots-txt"),
    path("favicon.ico", seo_views.favicon_ico, name="favicon-ico"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("admin/", admin.site.urls),
    path("api/", include("shop.api.urls")),
    path("api/", include("stock_sync.api.urls")),
    path("api/advisor/", include("advisor.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's init script from its own URL: the CSP allows no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("advisor/", include("advisor.urls")),
    # allauth's sign-up, login, logout, password reset and email pages, and the customer's own pages.
    path("account/vitamin-d/", include("vitamin_d.urls")),
    path("account/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    # The information pages: the shipping page adds the live rate table to its text; the others are
    # flatpages as staff wrote them (pages/content.py has the first versions).
    path("pages/", include("shipping.urls")),
    path("pages/", include("django.contrib.flatpages.urls")),
    path("account/subscriptions/", include("subscriptions.urls")),
    # Links in reminder emails (unsubscribe at /u/<token>/, order again) and "email me when it is back".
    path("", include("reminders.urls")),
    path("", include("shop.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Bad requests, unknown URLs and crashes under /api/ answer in the API's error format.
handler400 = "config.api.bad_request"
handler404 = "config.api.page_not_found"
handler500 = "config.api.server_error"
