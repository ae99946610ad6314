"""factory_boy factories shared by the whole suite."""
from __future__ import annotations

from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Address
from shipping.models import ShippingRate
from shop.models import (
    FoodNutrientAmount,
    FoodSource,
    Nutrient,
    Order,
    OrderLine,
    Product,
    ProductNutrient,
    Stock,
)
from stock_sync.models import Supplier, SupplierProduct
from subscriptions.models import Subscription

NUTRIENT_NAMES = {
    "d3": ("Vitamin D3", "D3", 1),
    "k2-mk4": ("Vitamin K2 (MK-4)", "MK-4", 2),
    "k2-mk7": ("Vitamin K2 (MK-7)", "MK-7", 3),
    "k1": ("Vitamin K1", "K1", 4),
}


def nutrient(code: str) -> Nutrient:
    """The nutrient row for a code, created on first use (the catalog has exactly one per code)."""
    name, short_name, order = NUTRIENT_NAMES[code]
    obj, _ = Nutrient.objects.get_or_create(
        code=code, defaults={"name": name, "short_name": short_name, "sort_order": order}
    )
    return obj


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product
        # The post-generation hooks create related rows; the product itself needs no second save.
        skip_postgeneration_save = True

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Test Product {n}")
    brand = "Testbrand"
    form = Product.Form.SOFTGEL
    description = "A product made for tests."
    serving_size = "1 softgel"
    servings_per_container = 60
    price = Decimal("12.00")
    is_active = True

    @factory.post_generation
    def stock(self, create, extracted, **kwargs):
        """ProductFactory(stock=5) gives 5 on hand; the default is 100."""
        if create:
            Stock.objects.create(product=self, on_hand=100 if extracted is None else extracted)

    @factory.post_generation
    def doses(self, create, extracted, **kwargs):
        """ProductFactory(doses={"d3": 25, "k2-mk7": 100}) sets mcg per serving per nutrient."""
        if create and extracted:
            for code, amount in extracted.items():
                ProductNutrient.objects.create(product=self, nutrient=nutrient(code), amount_mcg=Decimal(str(amount)))


class FoodSourceFactory(DjangoModelFactory):
    class Meta:
        model = FoodSource
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Food {n}")
    slug = factory.Sequence(lambda n: f"food-{n}")
    serving = "3 oz"

    @factory.post_generation
    def amounts(self, create, extracted, **kwargs):
        """FoodSourceFactory(amounts={"d3": 14.2}) sets mcg per serving, with a test source."""
        if create and extracted:
            for code, amount in extracted.items():
                FoodNutrientAmount.objects.create(
                    food=self, nutrient=nutrient(code), amount_mcg=Decimal(str(amount)), source="Test source"
                )


class OrderFactory(DjangoModelFactory):
    class Meta:
        model = Order

    email = "shopper@example.com"
    full_name = "Sam Shopper"
    address_line1 = "1 Test Street"
    city = "Testville"
    postal_code = "12345"
    country = "US"
    shipping_cost = Decimal("0.00")
    total = Decimal("0.00")
    subtotal = factory.LazyAttribute(lambda order: order.total - order.shipping_cost)


class OrderLineFactory(DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    product_name = factory.LazyAttribute(lambda o: o.product.name)
    sku = factory.LazyAttribute(lambda o: o.product.sku)
    unit_price = factory.LazyAttribute(lambda o: o.product.price)
    quantity = 1


class SupplierFactory(DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Supplier {n}")
    slug = factory.Sequence(lambda n: f"supplier-{n}")
    feed_url = "http://127.0.0.1:1/feed.csv"
    feed_format = Supplier.FeedFormat.CSV


class SupplierProductFactory(DjangoModelFactory):
    class Meta:
        model = SupplierProduct

    supplier = factory.SubFactory(SupplierFactory)
    product = factory.SubFactory(ProductFactory)
    supplier_sku = factory.LazyAttribute(lambda o: o.product.sku)


class StaffUserFactory(DjangoModelFactory):
    """A staff account holding exactly the Django permissions given, e.g.
    ``StaffUserFactory(permissions=["shop.view_order"])`` (none by default, like a fresh staff user)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff-{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("staff-pass-123")
    is_staff = True

    @factory.post_generation
    def permissions(user, create: bool, names: list[str] | None, **kwargs) -> None:
        for name in names or ():
            app_label, codename = name.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


CUSTOMER_PASSWORD = "customer-pass-2026"  # noqa: S105 (test data)


class CustomerFactory(DjangoModelFactory):
    """A customer account whose email is verified (allauth's EmailAddress), as after sign-up.
    ``CustomerFactory(verified=False)`` leaves it unverified."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"customer-{n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    password = factory.django.Password(CUSTOMER_PASSWORD)

    @factory.post_generation
    def verified(user, create: bool, value: bool | None, **kwargs) -> None:
        if create:
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=value is not False)


class AddressFactory(DjangoModelFactory):
    class Meta:
        model = Address

    customer = factory.SubFactory(CustomerFactory)
    full_name = "Casey Customer"
    phone = "+1 555 0199"
    address_line1 = "9 Saved Road"
    city = "Keepington"
    postal_code = "54321"
    country = "CA"


class ShippingRateFactory(DjangoModelFactory):
    class Meta:
        model = ShippingRate
        django_get_or_create = ("country",)

    country = "US"
    price = Decimal("4.95")
    free_above = None
    days_min = 2
    days_max = 5
class SubscriptionFactory(DjangoModelFactory):
    """An active subscription due today by default; give ``next_due`` for another date."""

    class Meta:
        model = Subscription

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    interval_days = 30
    next_due = factory.LazyFunction(timezone.localdate)
