from django.conf import settings
from django.http import HttpRequest

DEFAULT_META_DESCRIPTION = "Vitamin D3 and K2 supplements, with an advisor that pairs them safely."


def shop(request: HttpRequest) -> dict:
    """The shop's name, currency and the cart's item count, for the header on every page; its
    public address and default description, for the head tags (templates/includes/head_meta.html)."""
    from .cart import Cart

    return {
        "shop_name": settings.SHOP_NAME,
        "currency": settings.SHOP_CURRENCY,
        "shop_base_url": settings.SHOP_BASE_URL,
        "default_meta_description": DEFAULT_META_DESCRIPTION,
        "cart_count": Cart(request.session).item_count if hasattr(request, "session") else 0,
    }
