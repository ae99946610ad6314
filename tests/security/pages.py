"""The site's pages, for header and browser checks: a small catalog and the URL of each page."""
from __future__ import annotations

from decimal import Decimal

from tests.factories import FoodSourceFactory, ProductFactory, nutrient

PAGE_NAMES = (
    "home", "product list", "product", "foods", "nutrient", "cart", "checkout", "advisor", "admin login", "api docs",
    "shipping",
)


def make_catalog():
    """A D3 product, a K2 product and a food: enough for every page to render its real content."""
    for code in ("d3", "k2-mk4", "k2-mk7", "k1"):
        nutrient(code)
    d3 = ProductFactory(slug="sun-d3", name="Sun D3 1000", price=Decimal("9.50"), is_featured=True, doses={"d3": 25})
    ProductFactory(slug="k2-mk7", name="K2 MK-7 100", price=Decimal("14.00"), doses={"k2-mk7": 100})
    FoodSourceFactory(name="Salmon", slug="salmon", amounts={"d3": "14.2"})
    return d3


def page_urls(product) -> dict[str, str]:
    """Page name -> path. Checkout needs a cart line: callers add ``product`` to the cart first."""
    return {
        "home": "/",
        "product list": "/products/?nutrient=d3&sort=-price",
        "product": f"/products/{product.slug}/",
        "foods": "/foods/",
        "nutrient": "/nutrients/d3/",
        "cart": "/cart/",
        "checkout": "/checkout/",
        "advisor": "/advisor/",
        "admin login": "/admin/login/",
        "api docs": "/api/docs/",
        "shipping": "/pages/shipping/",
    }
