"""Places in the shop's pages where later apps add their own parts (a "Subscribe" link, …)
without the shop importing them: an app registers a template for a slot in its AppConfig.ready, and
the shop's template renders every template registered for the slot with its own context
(``{% page_extras "product_buy_box" %}``, shop/templatetags/shop_page_extras.py).

Templates added to the product buy box are also part of the page shared by every visitor who sends
no cookie (shop.catalog_cache), so for an anonymous visitor they must not depend on the request.
"""
from __future__ import annotations

PRODUCT_BUY_BOX = "product_buy_box"   # under the add-to-cart form; context: page (views.ProductPage)
CART_LINE = "cart_line"               # under each cart line's product; context: line (cart.CartLine)

_registered: dict[str, list[str]] = {PRODUCT_BUY_BOX: [], CART_LINE: []}


def page_extra_register(slot: str, template_name: str) -> None:
    if template_name not in _registered[slot]:
        _registered[slot].append(template_name)


def page_extra_templates(slot: str) -> tuple[str, ...]:
    return tuple(_registered[slot])
