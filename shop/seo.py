"""What search engines and link previews read: absolute URLs and schema.org structured data.

Absolute URLs are built on ``SHOP_BASE_URL``, never on the request's Host header: product pages are
cached and shared between visitors (shop.catalog_cache), so a link taken from one request's host
would be served to everyone, and a forged Host header could plant its own domain in them.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .models import Product

SCHEMA_ORG = "https://schema.org"

# As django.utils.html.json_script escapes: "</script>" or "<!--" inside a name or description
# cannot end the script element, and "&" cannot start an entity.
_JSON_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute_url(path: str) -> str:
    """``path`` on the shop's public address; a URL that already has a scheme is returned as is."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SHOP_BASE_URL}{path}"


def json_ld_script(data: dict) -> SafeString:
    """A ``<script type="application/ld+json">`` element. Browsers never run it (so the CSP allows
    it without a nonce); the escaping keeps any text in it from closing the element."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(  # noqa: S308 - JSON with <, > and & escaped
        f'<script type="application/ld+json">{text.translate(_JSON_SCRIPT_ESCAPES)}</script>'
    )


def breadcrumb_list(crumbs: Sequence[tuple[str, str]]) -> dict:
    """schema.org BreadcrumbList from (name, path) pairs, home first."""
    return {
        "@context": SCHEMA_ORG,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute_url(path)}
            for position, (name, path) in enumerate(crumbs, start=1)
        ],
    }


def product_image_url(image_path: str | None) -> str:
    """The product's main picture as an absolute URL, or the placeholder when it has none."""
    return absolute_url(image_path or static("img/product-placeholder.svg"))


def product_structured_data(product: Product, *, image_url: str) -> SafeString:
    """schema.org Product (with its Offer) and BreadcrumbList for a product page. ``product`` comes
    from shop.selectors.product_get_for_page (``available_quantity`` annotated)."""
    page_url = absolute_url(product.get_absolute_url())
    availability = "InStock" if product.available_quantity > 0 else "OutOfStock"
    product_data = {
        "@context": SCHEMA_ORG,
        "@type": "Product",
        "name": product.name,
        "sku": product.sku,
        "image": [image_url],
        "description": product.description,
        "brand": {"@type": "Brand", "name": product.brand},
        "url": page_url,
        "offers": {
            "@type": "Offer",
            "url": page_url,
            "price": f"{product.price:.2f}",
            "priceCurrency": settings.SHOP_CURRENCY,
            "availability": f"{SCHEMA_ORG}/{availability}",
            "itemCondition": f"{SCHEMA_ORG}/NewCondition",
        },
    }
    crumbs = breadcrumb_list([
        ("Home", reverse("shop:home")),
        ("Products", reverse("shop:product_list")),
        (product.name, product.get_absolute_url()),
    ])
    return mark_safe(json_ld_script(product_data) + json_ld_script(crumbs))  # noqa: S308 - two safe strings
