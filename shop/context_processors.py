from django.conf import settings
from django.http import HttpRequest

DEFAULT_META_DESCRIPTION = "Vitamin D3 and K2 supplements, with an advisor that pairs them safely."


def shop(request: HttpRequest) -> dict:
    """The shop's name, currency and the cart's item count, for the header on every page; its
    public address and default description, for the head tags (templates/includes/head_meta.html).

    A page rendered to be shared (shop.middleware) gets a slot instead of the count, which the
    middleware fills with each visitor's own.
    """
    from .cart import Cart, cart_badge_html
    from .catalog_cache import CART_SUMMARY_SLOT

    context = {
        "shop_name": settings.SHOP_NAME,
        "currency": settings.SHOP_CURRENCY,
        "shop_base_url": settings.SHOP_BASE_URL,
        "default_meta_description": DEFAULT_META_DESCRIPTION,
    }
    if getattr(request, "renders_shared_page", False):
        context["cart_badge"] = CART_SUMMARY_SLOT
    else:
        context["cart_badge"] = cart_badge_html(Cart(request.session).item_count if hasattr(request, "session") else 0)
    return context
