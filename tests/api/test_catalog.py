"""The public catalog endpoints: every field, the storefront's filters, pages, and a fixed query count."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from PIL import Image

from shop.forms import ProductFilterForm
from shop.selectors import ProductFilters, product_list
from shop.services.images import RENDITION_SIZES, product_image_create
from tests.factories import FoodSourceFactory, ProductFactory, nutrient

pytestmark = pytest.mark.django_db


def _png_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (200, 120, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def test_product_detail_has_every_documented_field(anonymous_client):
    product = ProductFactory(
        sku="VS-D3K2-1", slug="d3-k2-drops", name="D3 + K2 Drops", brand="Sunbrand", form="drops",
        servings_per_container=90, price=Decimal("19.90"), stock=7, doses={"d3": 25, "k2-mk7": 100},
    )
    product.stock.allocated = 2
    product.stock.save()

    body = anonymous_client.get("/api/products/d3-k2-drops/").json()

    assert body == {
        "sku": "VS-D3K2-1",
        "slug": "d3-k2-drops",
        "name": "D3 + K2 Drops",
        "brand": "Sunbrand",
        "form": "drops",
        "serving_size": "1 softgel",
        "servings": 90,
        "nutrients": [
            {"code": "d3", "name": "Vitamin D3", "amount": 1000, "unit": "IU", "amount_mcg": 25},
            {"code": "k2-mk7", "name": "Vitamin K2 (MK-7)", "amount": 100, "unit": "mcg", "amount_mcg": 100},
        ],
        "other_ingredients": "",
        "allergens": "",
        "price": "19.90",
        "currency": settings.SHOP_CURRENCY,
        "available": 5,
        "in_stock": True,
        "images": [],
        "url": "http://testserver/products/d3-k2-drops/",
    }


def test_fractional_amounts_keep_their_decimals(anonymous_client):
    product = ProductFactory(doses={"k2-mk4": "45.5", "d3": "12.5"})
    body = anonymous_client.get(f"/api/products/{product.slug}/").json()
    nutrients = {row["code"]: row for row in body["nutrients"]}
    assert nutrients["k2-mk4"] == {
        "code": "k2-mk4", "name": "Vitamin K2 (MK-4)", "amount": 45.5, "unit": "mcg", "amount_mcg": 45.5,
    }
    assert nutrients["d3"]["amount"] == 500
    assert nutrients["d3"]["amount_mcg"] == 12.5


def test_sold_out_product_is_listed_as_not_in_stock(anonymous_client):
    product = ProductFactory(stock=0)
    body = anonymous_client.get(f"/api/products/{product.slug}/").json()
    assert body["available"] == 0
    assert body["in_stock"] is False


def test_images_list_absolute_rendition_urls_per_size_and_format(anonymous_client):
    product = ProductFactory()
    product_image_create(product=product, file=_png_upload(), alt_text="The bottle")

    images = anonymous_client.get(f"/api/products/{product.slug}/").json()["images"]

    assert len(images) == 1
    assert images[0]["alt_text"] == "The bottle"
    renditions = images[0]["renditions"]
    assert set(renditions) == set(RENDITION_SIZES)
    for size, box in RENDITION_SIZES.items():
        rendition = renditions[size]
        assert max(rendition["width"], rendition["height"]) <= box
        assert rendition["webp"].startswith("http://testserver/media/") and rendition["webp"].endswith(".webp")
        assert rendition["jpeg"].startswith("http://testserver/media/") and rendition["jpeg"].endswith(".jpg")


def _slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    "query",
    [
        "nutrient=d3",
        "nutrient=k2-mk7&nutrient=k2-mk4",
        "form=drops",
        "d3_min=1500",
        "d3_max=1000",
        "k2_min=150",
        "price_min=10&price_max=15",
        "in_stock=on",
        "q=sun",
        "sort=-price",
        "sort=d3_dose",
        "sort=price_per_serving",
        "nutrient=d3&in_stock=on&sort=-price",
    ],
)
def test_list_filters_match_the_storefront_selector(anonymous_client, query):
    ProductFactory(slug="d3-1000", name="Sun D3 1000", form="softgel", price=Decimal("9.50"), doses={"d3": 25})
    ProductFactory(slug="d3-2000", name="D3 2000", form="drops", price=Decimal("14.00"), doses={"d3": 50}, stock=0)
    ProductFactory(slug="k2-200", name="K2 200", price=Decimal("22.00"), doses={"k2-mk7": 200})
    ProductFactory(slug="mk4", name="MK-4", price=Decimal("30.00"), servings_per_container=30, doses={"k2-mk4": 1500})
    ProductFactory(slug="combo", name="Combo", form="drops", price=Decimal("12.00"), doses={"d3": 25, "k2-mk7": 100})
    ProductFactory(slug="hidden", name="Hidden Sun", is_active=False, doses={"d3": 25})

    form = ProductFilterForm(QueryDict(query))
    assert form.is_valid(), form.errors
    expected = [product.slug for product in product_list(filters=form.to_filters())]

    assert _slugs(anonymous_client.get(f"/api/products/?{query}")) == expected
    assert "hidden" not in expected


def test_list_pages_like_the_product_pages(anonymous_client):
    per_page = settings.SHOP_PRODUCTS_PER_PAGE
    for number in range(per_page + 3):
        ProductFactory(name=f"Product {number:02d}")

    first = anonymous_client.get("/api/products/").json()
    second = anonymous_client.get("/api/products/?page=2").json()

    assert first["count"] == per_page + 3
    assert len(first["results"]) == per_page
    assert len(second["results"]) == 3
    assert first["next"].endswith("/api/products/?page=2")
    expected = [p.slug for p in product_list(filters=ProductFilters())]
    assert [row["slug"] for row in first["results"] + second["results"]] == expected


def _make_rich_products(count: int) -> None:
    for _ in range(count):
        product = ProductFactory(doses={"d3": 25, "k2-mk7": 100})
        product_image_create(product=product, file=_png_upload())


def test_product_list_query_count_does_not_grow_with_products(anonymous_client, django_assert_num_queries):
    _make_rich_products(2)
    # catalog version (the cache key), count, products (with stock), doses (with nutrients), images.
    with django_assert_num_queries(5):
        assert len(anonymous_client.get("/api/products/").json()["results"]) == 2
    _make_rich_products(6)
    with django_assert_num_queries(5):
        assert len(anonymous_client.get("/api/products/").json()["results"]) == 8


def test_product_detail_query_count(anonymous_client, django_assert_num_queries):
    product = ProductFactory(doses={"d3": 25, "k2-mk7": 100})
    product_image_create(product=product, file=_png_upload())
    # catalog version (the cache key), product, doses, images.
    with django_assert_num_queries(4):
        assert anonymous_client.get(f"/api/products/{product.slug}/").status_code == 200


def test_nutrients_list(anonymous_client):
    for code in ("k2-mk7", "d3", "k1", "k2-mk4"):
        nutrient(code)
    body = anonymous_client.get("/api/nutrients/").json()
    assert [row["code"] for row in body["results"]] == ["d3", "k2-mk4", "k2-mk7", "k1"]
    assert body["results"][0] == {
        "code": "d3", "name": "Vitamin D3", "short_name": "D3", "summary": "",
        "url": "http://testserver/nutrients/d3/",
    }


def test_foods_list_with_amounts_and_sources(anonymous_client, django_assert_num_queries):
    FoodSourceFactory(name="Salmon", slug="salmon", serving="3 oz (85 g)", amounts={"d3": "14.2"})
    FoodSourceFactory(name="Natto", slug="natto", serving="1 oz", amounts={"k2-mk7": 250})
    # catalog version (the cache key), count, foods, amounts (with nutrients).
    with django_assert_num_queries(4):
        body = anonymous_client.get("/api/foods/").json()
    assert [row["slug"] for row in body["results"]] == ["natto", "salmon"]
    salmon = body["results"][1]
    assert salmon == {
        "name": "Salmon", "slug": "salmon", "serving": "3 oz (85 g)", "note": "",
        "nutrients": [
            {"code": "d3", "name": "Vitamin D3", "amount": 568, "unit": "IU", "amount_mcg": 14.2,
             "source": "Test source"},
        ],
    }


def test_foods_filtered_by_nutrient_richest_first(anonymous_client):
    FoodSourceFactory(slug="egg", amounts={"d3": "1.1"})
    FoodSourceFactory(slug="trout", amounts={"d3": "16.2"})
    FoodSourceFactory(slug="natto", amounts={"k2-mk7": 250})
    assert _slugs(anonymous_client.get("/api/foods/?nutrient=d3")) == ["trout", "egg"]
    assert anonymous_client.get("/api/foods/?nutrient=vitamin-c").status_code == 400
