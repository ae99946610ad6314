"""shipping_quote: a country's own rate, free above its threshold, the rest-of-world rate, refusals."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shipping.countries import REST_OF_WORLD
from shipping.demo_rates import DEMO_RATES, load_demo_rates
from shipping.models import ShippingRate
from shipping.selectors import shipping_rate_table
from shipping.services import ShippingUnavailable, shipping_quote
from tests.factories import ShippingRateFactory

pytestmark = pytest.mark.django_db


def test_a_country_with_its_own_rate_pays_it_below_the_threshold(shipping_rates):
    quote = shipping_quote(country="US", subtotal=Decimal("30.00"))

    assert quote.cost == Decimal("4.95")
    assert quote.free_above == Decimal("49.00")
    assert quote.amount_to_free == Decimal("19.00")
    assert (quote.days_min, quote.days_max, quote.days_text) == (2, 5, "2–5 business days")
    assert not quote.rest_of_world and not quote.is_free


@pytest.mark.parametrize("subtotal", [Decimal("49.00"), Decimal("49.01"), Decimal("500.00")])
def test_shipping_is_free_from_the_threshold_on(shipping_rates, subtotal):
    quote = shipping_quote(country="US", subtotal=subtotal)

    assert quote.cost == Decimal("0.00") and quote.is_free
    assert quote.amount_to_free is None


def test_a_cent_below_the_threshold_still_pays(shipping_rates):
    quote = shipping_quote(country="US", subtotal=Decimal("48.99"))

    assert quote.cost == Decimal("4.95") and quote.amount_to_free == Decimal("0.01")


def test_a_country_without_a_row_pays_the_rest_of_world_rate(shipping_rates):
    quote = shipping_quote(country="jp", subtotal=Decimal("500.00"))

    assert quote.country == "JP" and quote.country_name == "Japan"
    assert quote.rest_of_world
    # The rest-of-world rate has no threshold: never free, and no "add X more" to show.
    assert quote.cost == Decimal("19.95") and quote.free_above is None and quote.amount_to_free is None


def test_without_a_rest_of_world_rate_an_unlisted_country_is_refused(shipping_rates):
    shipping_rates[REST_OF_WORLD].delete()

    with pytest.raises(ShippingUnavailable, match="Sorry, we do not ship to Japan."):
        shipping_quote(country="JP", subtotal=Decimal("10.00"))


def test_an_inactive_country_is_refused_even_with_a_rest_of_world_rate(shipping_rates):
    ShippingRate.objects.filter(country="DE").update(is_active=False)

    with pytest.raises(ShippingUnavailable) as refused:
        shipping_quote(country="DE", subtotal=Decimal("10.00"))
    assert refused.value.country == "DE"


def test_an_inactive_rest_of_world_rate_refuses_unlisted_countries(shipping_rates):
    ShippingRate.objects.filter(country=REST_OF_WORLD).update(is_active=False)

    with pytest.raises(ShippingUnavailable):
        shipping_quote(country="FR", subtotal=Decimal("10.00"))
    assert shipping_quote(country="DE", subtotal=Decimal("10.00")).cost == Decimal("12.95")


def test_one_day_delivery_reads_naturally(shipping_rates):
    ShippingRate.objects.filter(country="US").update(days_min=1, days_max=1)

    assert shipping_quote(country="US", subtotal=Decimal("1.00")).days_text == "1 business day"


def test_the_slowest_delivery_cannot_be_faster_than_the_fastest(db):
    rate = ShippingRate(country="FR", price=Decimal("5.00"), days_min=6, days_max=3)

    with pytest.raises(ValidationError, match="cannot be faster than the fastest"):
        rate.full_clean()


def test_the_rate_table_lists_active_rates_by_name_with_all_other_countries_last(shipping_rates):
    ShippingRateFactory(country="AT", price=Decimal("12.95"), free_above=Decimal("119.00"), days_min=6, days_max=10)
    ShippingRateFactory(country="FR", price=Decimal("12.95"), days_min=5, days_max=10, is_active=False)

    table = shipping_rate_table()

    assert [row.country_name for row in table] == ["Austria", "Germany", "United States", "All other countries"]
    assert table[0].days_text == "6–10 business days" and table[0].free_above == Decimal("119.00")


def test_the_demo_rates_are_loaded_once_and_leave_staff_changes_alone(db):
    ShippingRate.objects.all().delete()
    assert load_demo_rates() == f"Shipping rates: {len(DEMO_RATES)} created, 0 already there."
    ShippingRate.objects.filter(country="US").update(price=Decimal("3.00"))

    assert load_demo_rates() == f"Shipping rates: 0 created, {len(DEMO_RATES)} already there."
    assert ShippingRate.objects.get(country="US").price == Decimal("3.00")
    assert shipping_quote(country="JP", subtotal=Decimal("10.00")).rest_of_world
