"""/sitemap.xml: the pages a search engine should find (django.contrib.sitemaps).

Products, the nutrient pages, the catalog and food lists, and the information pages. Cart,
checkout, order, account and advisor result pages are private or per visitor and never listed.

``SITEMAPS`` is the registry the sitemap view reads on every request: another app adds its pages
from its AppConfig.ready (``SITEMAPS["pages"] = PagesSitemap``), so the shop imports no newer app.
The information pages are django.contrib.flatpages when that app is installed (added here).

Locations are on ``SHOP_BASE_URL`` (shop.seo), not on the request's host.
"""
from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import Product
from .nutrient_content import NUTRIENT_PAGES, NutrientPage


class ShopSitemap(Sitemap):
    """A sitemap whose locations use the shop's public address."""

    def get_urls(self, page=1, site=None, protocol=None):
        base = urlsplit(settings.SHOP_BASE_URL)
        return super().get_urls(page=page, site=SimpleNamespace(domain=base.netloc), protocol=base.scheme)


class ProductSitemap(ShopSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self) -> QuerySet[Product]:
        return Product.objects.active().order_by("pk").only("slug", "updated_at")

    def lastmod(self, product: Product):
        return product.updated_at


class NutrientPageSitemap(ShopSitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self) -> list[NutrientPage]:
        return list(NUTRIENT_PAGES.values())

    def location(self, page: NutrientPage) -> str:
        return reverse("shop:nutrient_detail", args=[page.code])

    def lastmod(self, page: NutrientPage):
        return page.reviewed


class CatalogPageSitemap(ShopSitemap):
    """The home page and the lists: the product list (unfiltered) and the food sources table."""

    changefreq = "daily"
    priority = 0.7

    def items(self) -> list[str]:
        return ["shop:home", "shop:product_list", "shop:food_list"]

    def location(self, name: str) -> str:
        return reverse(name)


class FlatPageSitemap(ShopSitemap):
    """The information pages (shipping, returns, privacy …) when they are django.contrib.flatpages.
    Pages behind a login are left out."""

    changefreq = "monthly"
    priority = 0.4

    def items(self):
        from django.contrib.flatpages.models import FlatPage

        pages = FlatPage.objects.filter(registration_required=False).order_by("url")
        if apps.is_installed("django.contrib.sites"):
            pages = pages.filter(sites__id=settings.SITE_ID)
        return pages


SITEMAPS: dict[str, type[Sitemap]] = {
    "catalog": CatalogPageSitemap,
    "products": ProductSitemap,
    "nutrients": NutrientPageSitemap,
}
if apps.is_installed("django.contrib.flatpages"):
    SITEMAPS["pages"] = FlatPageSitemap
