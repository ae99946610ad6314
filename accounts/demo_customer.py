"""The demo customer, loaded with the demo catalog: a verified account with an order history, so a
developer can log in and see "My account" filled in. Its password is fixed and printed on purpose:
it is demo data on a laptop, like the catalog (production never runs load_demo_catalog)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from shipping.services import ShippingQuote, ShippingUnavailable, shipping_quote
from shop.models import Order, OrderLine, Product

from .models import Address, EmailPreferences

DEMO_CUSTOMER_EMAIL = "demo@vitashop.example"
DEMO_CUSTOMER_PASSWORD = "demo-customer-2026"  # noqa: S105 (demo data, printed by make run)
DEMO_ADDRESS = {
    "full_name": "Dana Demo",
    "phone": "+1 555 0100",
    "address_line1": "12 Sample Street",
    "address_line2": "",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}
# (days ago, status, [(product index in the featured-first catalog, quantity)]). All shipped: the
# history holds no stock, so no staff action on it may release or consume any.
DEMO_ORDERS = (
    (75, Order.Status.SHIPPED, [(0, 1), (1, 1)]),
    (40, Order.Status.SHIPPED, [(0, 2)]),
    (8, Order.Status.SHIPPED, [(2, 1)]),
)


def demo_customer_login_text() -> str:
    login_url = f"{settings.SHOP_BASE_URL}{reverse('account_login')}"
    return (
        f"Demo customer: log in at {login_url} as {DEMO_CUSTOMER_EMAIL}, password {DEMO_CUSTOMER_PASSWORD} "
        "(unless changed since)."
    )


def _demo_shipping(subtotal: Decimal) -> ShippingQuote | None:
    try:
        return shipping_quote(country=DEMO_ADDRESS["country"], subtotal=subtotal)
    except ShippingUnavailable:
        return None


@transaction.atomic
def load_demo_customer() -> str:
    """Create the demo customer and their orders once; later runs leave them alone. Returns the
    line `make run` prints: how to log in as them."""
    user_model = get_user_model()
    if user_model.objects.filter(email__iexact=DEMO_CUSTOMER_EMAIL).exists():
        return demo_customer_login_text()
    customer = user_model.objects.create_user(
        username="demo-customer", email=DEMO_CUSTOMER_EMAIL, password=DEMO_CUSTOMER_PASSWORD
    )
    EmailAddress.objects.create(user=customer, email=DEMO_CUSTOMER_EMAIL, verified=True, primary=True)
    Address.objects.create(customer=customer, **DEMO_ADDRESS)
    # Opted in to refill reminders, so `send_reminders --as-of` a week before a demo purchase runs
    # out has something to send.
    EmailPreferences.objects.create(customer=customer, refill_reminders=True)
    products = list(Product.objects.filter(is_active=True).order_by("-is_featured", "name")[:3])
    if len(products) < 3:
        return demo_customer_login_text()
    now = timezone.now()
    for days_ago, status, lines in DEMO_ORDERS:
        chosen = [(products[index], quantity) for index, quantity in lines]
        # Demo history, written directly: order_place would hold stock the demo shop still has on hand.
        subtotal = sum(product.price * quantity for product, quantity in chosen)
        shipping = _demo_shipping(subtotal)
        order = Order.objects.create(
            customer=customer,
            email=DEMO_CUSTOMER_EMAIL,
            status=status,
            currency=settings.SHOP_CURRENCY,
            subtotal=subtotal,
            shipping_cost=shipping.cost if shipping else Decimal("0.00"),
            shipping_days=shipping.days_text if shipping else "",
            total=subtotal + (shipping.cost if shipping else Decimal("0.00")),
            **DEMO_ADDRESS,
        )
        placed_at = now - timedelta(days=days_ago)
        shipped_at = placed_at + timedelta(days=2) if status == Order.Status.SHIPPED else None
        Order.objects.filter(pk=order.pk).update(created_at=placed_at, paid_at=shipped_at, shipped_at=shipped_at)
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order, product=product, product_name=product.name, sku=product.sku,
                unit_price=product.price, quantity=quantity,
            )
            for product, quantity in chosen
        )
    return f"Created the demo customer with {len(DEMO_ORDERS)} orders. {demo_customer_login_text()}"


def load_demo_customer_with_the_catalog(sender, **kwargs) -> str:
    """Receives ``shop.demo_catalog.demo_catalog_loaded``; returns the line the command prints."""
    return load_demo_customer()
