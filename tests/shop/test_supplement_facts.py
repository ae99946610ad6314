"""The Supplement Facts panel: % Daily Value computed from the label DVs (vitamin D 20 mcg = 800 IU,
vitamin K 120 mcg), shown with both units for vitamin D; other ingredients and allergens on the
page, in the admin, the API and every demo product."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from shop import demo_catalog
from shop.supplement_facts import daily_value, percent_daily_value
from tests.factories import ProductFactory, StaffUserFactory


@pytest.mark.parametrize(
    ("code", "mcg", "percent"),
    [
        ("d3", "20", 100),      # 800 IU is the Daily Value
        ("d3", "25", 125),      # 1,000 IU
        ("d3", "10", 50),       # 400 IU
        ("d3", "100", 500),     # 4,000 IU
        ("d3", "15", 75),       # 600 IU
        ("k2-mk7", "120", 100),
        ("k2-mk7", "90", 75),
        ("k2-mk7", "45", 38),   # 37.5 rounds half up
        ("k2-mk7", "100", 83),  # 83.33
        ("k2-mk4", "1500", 1250),
        ("k1", "60", 50),
    ],
)
def test_percent_daily_value(code, mcg, percent):
    assert percent_daily_value(code, Decimal(mcg)) == percent


def test_daily_values_in_both_units_for_vitamin_d_only():
    assert (daily_value("d3").mcg, daily_value("d3").iu) == (Decimal(20), 800)
    assert (daily_value("k2-mk7").mcg, daily_value("k2-mk7").iu) == (Decimal(120), None)


def _facts_rows(html: str) -> list[list[str]]:
    table = re.search(r'<table class="facts-panel">.*?</table>', html, flags=re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", re.search(r"<tbody>(.*?)</tbody>", table, flags=re.S).group(1), flags=re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S) for row in rows]
    return [[re.sub(r"<[^>]+>|\s+", " ", cell).strip() for cell in row] for row in cells]


@pytest.mark.django_db
def test_product_page_panel_shows_amounts_in_mcg_and_iu_and_percent_dv(client):
    product = ProductFactory(
        doses={"d3": 50, "k2-mk7": 100}, serving_size="2 drops", servings_per_container=75,
        other_ingredients="MCT oil from coconut.", allergens="None",
    )

    html = client.get(product.get_absolute_url()).content.decode()

    assert '<h2 id="supplement-facts-title" class="facts-panel-title">Supplement Facts</h2>' in html
    assert "Serving size: 2 drops" in html and "Servings per container: 75" in html
    assert '<th scope="col">Amount per serving</th>' in html
    assert '<th scope="col" class="num">% Daily Value</th>' in html
    assert _facts_rows(html) == [
        ["Vitamin D3 (as cholecalciferol)", "50 mcg (2,000 IU)", "250%"],
        ["Vitamin K2 (as menaquinone-7, MK-7)", "100 mcg", "83%"],
    ]
    assert "vitamin D 20 mcg (800 IU), vitamin K 120 mcg" in html
    assert "<dt>Other ingredients</dt>\n    <dd>MCT oil from coconut.</dd>" in html
    assert "<dt>Allergens</dt>\n    <dd>None</dd>" in html


@pytest.mark.django_db
def test_unstated_label_details_say_so(client):
    product = ProductFactory(doses={"k2-mk4": 1500})

    html = client.get(product.get_absolute_url()).content.decode()

    assert _facts_rows(html) == [["Vitamin K2 (as menaquinone-4, MK-4)", "1,500 mcg", "1,250%"]]
    assert "Not stated yet: ask us before buying if you have an allergy." in html


@pytest.mark.django_db
def test_nutrient_page_lists_in_stock_products_with_their_percent_dv(client):
    ProductFactory(name="Sun D3 1000", doses={"d3": 25}, stock=5)
    ProductFactory(name="Sold-out D3", doses={"d3": 50}, stock=0)

    html = client.get(reverse("shop:nutrient_detail", args=["d3"])).content.decode()

    assert "Daily Value of <strong>20 mcg (800 IU)</strong>" in html
    row = r'Sun D3 1000</a></th><td class="num">25 mcg \(1,000 IU\)</td><td class="num">125%</td>'
    assert re.search(row, html)
    assert "Sold-out D3" not in html


def test_every_demo_product_has_other_ingredients_and_allergens():
    for item in demo_catalog.PRODUCTS:
        other_ingredients, allergens = demo_catalog._label(item)
        assert other_ingredients.endswith(".") and len(other_ingredients) > 10, item.sku
        assert allergens, item.sku
    natto = [item for item in demo_catalog.PRODUCTS if "natto" in item.note.lower()]
    assert natto and all(demo_catalog._label(item)[1] == "Soy (from natto)" for item in natto)


@pytest.mark.django_db
def test_staff_edit_other_ingredients_and_allergens_in_the_admin(client):
    staff = StaffUserFactory(is_superuser=True)
    client.force_login(staff)
    product = ProductFactory(doses={"d3": 25})

    html = client.get(reverse("admin:shop_product_change", args=[product.pk])).content.decode()

    assert 'name="other_ingredients"' in html and 'name="allergens"' in html
