"""Every storefront page renders with its content, and unknown things are 404s."""
from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from shop.models import Stock
from tests.factories import FoodSourceFactory, OrderFactory, OrderLineFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_home_shows_featured_active_products_and_the_advisor(client):
    ProductFactory(name="Sunny D3 2000", is_featured=True, doses={"d3": 50})
    ProductFactory(name="Hidden Featured", is_featured=True, is_active=False)
    ProductFactory(name="Plain Product", is_featured=False)

    response = client.get(reverse("shop:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sunny D3 2000" in html
    assert "Hidden Featured" not in html
    assert "Plain Product" not in html
    assert reverse("advisor:quiz") in html
    assert "2,000 IU" in html and "50 mcg" in html


def test_product_page_shows_doses_prices_and_stock(client, settings):
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    product = ProductFactory(
        name="D3 + K2 Drops",
        doses={"d3": 25, "k2-mk7": 100},
        price=Decimal("18.00"),
        servings_per_container=90,
        serving_size="2 drops",
        stock=40,
    )

    response = client.get(product.get_absolute_url())

    assert response.status_code == 200
    html = response.content.decode()
    assert "D3 + K2 Drops" in html
    assert "1,000 IU" in html and "25 mcg" in html          # D3 in IU and mcg
    assert "100 mcg" in html and "MK-7" in html             # K2 in mcg with its form named
    assert "2 drops" in html and "90" in html
    assert "$18.00" in html
    assert "$0.20" in html                                   # per serving
    assert "$6.00" in html                                   # per 30 days
    assert "In stock" in html
    assert 'name="quantity"' in html and "Add to cart" in html


@pytest.mark.parametrize(("doses", "shows_iu_note"), [({"d3": 25}, True), ({"k2-mk7": 90}, False)])
def test_the_iu_conversion_note_shows_only_for_products_with_vitamin_d(client, doses, shows_iu_note):
    product = ProductFactory(doses=doses)

    html = client.get(product.get_absolute_url()).content.decode()

    assert ("1 mcg = 40 IU" in html) is shows_iu_note


def test_the_main_product_image_loads_eagerly(client):
    product = ProductFactory()  # no image: the placeholder stands in the main image's place

    html = client.get(product.get_absolute_url()).content.decode()

    main_image_tag = re.search(r'<img class="[^"]*product-picture-detail[^>]*>', html).group(0)
    assert 'loading="eager"' in main_image_tag


@pytest.mark.parametrize(
    ("on_hand", "allocated", "expected", "button_disabled"),
    [
        (50, 0, "In stock", False),
        (8, 5, "Only 3 left", False),
        (5, 0, "Only 5 left", False),
        (4, 4, "Out of stock", True),
    ],
)
def test_product_page_stock_status(client, settings, on_hand, allocated, expected, button_disabled):
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    product = ProductFactory(stock=on_hand, doses={"d3": 25})
    Stock.objects.filter(product=product).update(allocated=allocated)

    html = client.get(product.get_absolute_url()).content.decode()

    assert expected in html
    assert ("disabled" in html.split("add-to-cart")[1]) is button_disabled


def test_product_page_pairs_d3_with_k2_and_shows_food_sources(client):
    d3 = ProductFactory(name="Only D3", doses={"d3": 25})
    ProductFactory(name="Only MK7", doses={"k2-mk7": 100})
    ProductFactory(name="Another D3", doses={"d3": 50})
    ProductFactory(name="The Combo", doses={"d3": 25, "k2-mk7": 100})
    FoodSourceFactory(name="Sockeye salmon", amounts={"d3": "14.2"})
    FoodSourceFactory(name="Natto", amounts={"k2-mk7": 850})

    html = client.get(d3.get_absolute_url()).content.decode()

    pairs = html.split("Pairs well with")[1].split("Food sources")[0]
    assert "Only MK7" in pairs
    assert "Another D3" not in pairs and "The Combo" not in pairs
    foods = html.split('id="foods-title"')[1]
    assert "Sockeye salmon" in foods and "14.2 mcg" in foods and "568 IU" in foods
    assert "Natto" not in foods                               # the product has no K2
    assert "Test source" in foods


def test_combo_product_suggests_no_pairing(client):
    combo = ProductFactory(doses={"d3": 25, "k2-mk7": 100})
    ProductFactory(doses={"k2-mk7": 100})

    html = client.get(combo.get_absolute_url()).content.decode()

    assert "Pairs well with" not in html


def test_product_page_thumbnails_link_to_images(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shop.models import ProductImage

    product = ProductFactory(doses={"d3": 25})
    for position in range(2):
        ProductImage.objects.create(
            product=product, image=SimpleUploadedFile(f"p{position}.gif", _tiny_gif()), position=position
        )

    html = client.get(product.get_absolute_url()).content.decode()

    assert 'class="gallery-thumbs"' in html
    assert html.count("/media/products/") >= 3               # main image + two linked thumbnails


def _tiny_gif() -> bytes:
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
        b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


@pytest.mark.parametrize("slug_kind", ["unknown", "inactive"])
def test_product_page_404s_for_unknown_or_inactive(client, slug_kind):
    product = ProductFactory(is_active=False)
    slug = product.slug if slug_kind == "inactive" else "no-such-product"

    assert client.get(reverse("shop:product_detail", args=[slug])).status_code == 404


def test_food_list_shows_all_columns_with_sources_and_sorts(client):
    FoodSourceFactory(name="Sockeye salmon", amounts={"d3": "14.2"})
    FoodSourceFactory(name="Egg", amounts={"d3": "1.1", "k2-mk4": "5.8"})
    FoodSourceFactory(name="Natto", amounts={"k2-mk7": 850})
    FoodSourceFactory(name="Kale", amounts={"k1": 400})

    response = client.get(reverse("shop:food_list"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "568" in html                                     # 14.2 mcg D3 in IU
    assert "Test source" in html and 'href="#source-1"' in html
    assert html.index("Egg") < html.index("Kale") < html.index("Natto") < html.index("Sockeye salmon")

    by_d3 = client.get(reverse("shop:food_list"), {"sort": "-d3"}).content.decode()
    assert by_d3.index("Sockeye salmon") < by_d3.index("Egg")
    by_d3_asc = client.get(reverse("shop:food_list"), {"sort": "d3"}).content.decode()
    assert by_d3_asc.index("Egg") < by_d3_asc.index("Sockeye salmon")

    mk7_only = client.get(reverse("shop:food_list"), {"nutrient": "mk7"}).content.decode()
    assert "Natto" in mk7_only and "Kale" not in mk7_only and "Sockeye salmon" not in mk7_only


@pytest.mark.parametrize("params", [{"sort": "evil"}, {"nutrient": "zinc"}, {"sort": "-name", "nutrient": "d3"}])
def test_food_list_bad_or_odd_query_values_never_fail(client, params):
    FoodSourceFactory(name="Sockeye salmon", amounts={"d3": "14.2"})

    response = client.get(reverse("shop:food_list"), params)

    assert response.status_code == 200
    assert "Sockeye salmon" in response.content.decode()


def test_nutrient_page_shows_claims_with_sources_products_and_foods(client):
    from shop.nutrient_content import NUTRIENT_PAGES

    ProductFactory(name="MK7 In Stock", doses={"k2-mk7": 100}, stock=10)
    ProductFactory(name="MK7 Sold Out", doses={"k2-mk7": 100}, stock=0)
    ProductFactory(name="D3 Only", doses={"d3": 25})
    FoodSourceFactory(name="Natto", amounts={"k2-mk7": 850})

    response = client.get(reverse("shop:nutrient_detail", args=["k2-mk7"]))
    html = response.content.decode()

    assert response.status_code == 200
    page = NUTRIENT_PAGES["k2-mk7"]
    first_claim = page.sections[0].claims[0]
    assert page.title in html
    assert f'Source: <a class="source-link" href="{escape(first_claim.source.url)}" rel="noopener">' in html
    assert all(
        f'href="{escape(claim.source.url)}" rel="noopener">{escape(claim.source.name)}</a>' in html
        for section in page.sections
        for claim in section.claims
    )
    assert f'<time datetime="{page.reviewed:%Y-%m-%d}">' in html
    assert escape(page.caveat) in html
    assert "MK7 In Stock" in html
    assert "MK7 Sold Out" not in html and "D3 Only" not in html
    assert "Natto" in html


def test_unknown_nutrient_is_404(client):
    assert client.get(reverse("shop:nutrient_detail", args=["zinc"])).status_code == 404


def test_order_confirmation_shows_number_lines_total_address_and_instructions(client):
    order = OrderFactory(total=Decimal("24.00"), address_line1="5 Elm Road", country="GB")
    OrderLineFactory(order=order, product_name="Sunny D3", unit_price=Decimal("12.00"), quantity=2)

    response = client.get(order.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert order.number in html
    assert "2" in html and "Sunny D3" in html
    assert "$24.00" in html
    assert "5 Elm Road" in html and "United Kingdom" in html
    assert "Pay by invoice" in html and "invoice" in html.split("Payment:")[1]


def test_unknown_order_is_404(client):
    assert client.get(reverse("shop:order_confirmation", args=[uuid.uuid4()])).status_code == 404


def test_cart_and_checkout_pages_render_when_empty(client):
    cart = client.get(reverse("shop:cart"))
    assert cart.status_code == 200
    assert "Your cart is empty" in cart.content.decode()

    checkout = client.get(reverse("shop:checkout"))
    assert checkout.status_code == 302
    assert checkout.url == reverse("shop:cart")
