from django.conf import settings
from django.http import HttpRequest


def shop(request: HttpRequest) -> dict:
    """The shop's name, currency and the cart's item count, for the header on every page."""
    from .cart import Cart

    return {
        "shop_name": settings.SHOP_NAME,
        "currency": settings.SHOP_CURRENCY,
        "cart_count": Cart(request.session).item_count if hasattr(request, "session") else 0,
    }
