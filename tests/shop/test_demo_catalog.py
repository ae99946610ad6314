"""The demo catalog: enough varied, honest products and foods, and a load that is safe to repeat."""
from __future__ import annotations

from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from shop.demo_catalog import load_demo_catalog
from shop.models import FoodNutrientAmount, FoodSource, Nutrient, Product, ProductImage, ProductNutrient, Stock
from tests.factories import NUTRIENT_NAMES

pytestmark = pytest.mark.django_db


def kind_of(product: Product) -> str:
    return "+".join(sorted(row.nutrient.code for row in product.nutrient_amounts.all()))


def row_counts() -> dict[str, int]:
    models = (Nutrient, Product, ProductNutrient, Stock, ProductImage, FoodSource, FoodNutrientAmount)
    return {model.__name__: model.objects.count() for model in models}


def media_files(settings) -> list[Path]:
    return sorted(path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file())


def test_the_demo_catalog_has_varied_honest_content():
    summary = load_demo_catalog()

    assert summary.products.created == Product.objects.count()
    nutrients = {n.code: (n.name, n.short_name, n.sort_order) for n in Nutrient.objects.all()}
    assert nutrients == NUTRIENT_NAMES
    assert all(n.summary for n in Nutrient.objects.all())

    active = list(Product.objects.active().prefetch_related("nutrient_amounts__nutrient", "images"))
    assert len(active) >= 30
    kinds = {kind_of(product) for product in active}
    assert {"d3", "k2-mk4", "k2-mk7", "d3+k2-mk7", "d3+k2-mk4"} <= kinds
    assert {product.form for product in active} == set(Product.Form.values)
    assert len({product.brand for product in active}) >= 5
    assert Product.objects.filter(is_featured=True, is_active=True).count() >= 3

    d3_doses = [row.amount_mcg for row in ProductNutrient.objects.filter(nutrient__code="d3")]
    k2_doses = [row.amount_mcg for row in ProductNutrient.objects.filter(nutrient__code__in=["k2-mk4", "k2-mk7"])]
    assert min(d3_doses) == Decimal("10") and max(d3_doses) == Decimal("250")  # 400 to 10,000 IU
    assert min(k2_doses) == Decimal("45") and max(k2_doses) == Decimal("1500")
    assert ProductNutrient.objects.filter(nutrient__code="k2-mk4", amount_mcg=1500).exists()
    assert all(30 <= product.servings_per_container <= 365 for product in active)
    assert all(Decimal("5") <= product.price <= Decimal("40") for product in active)

    available = [product.stock.available for product in active]
    assert sum(1 for units in available if units == 0) >= 2
    assert sum(1 for units in available if 1 <= units <= 4) >= 2
    assert sum(1 for units in available if units >= 20) >= 20

    for product in active:
        assert product.description
        if any(row.nutrient.is_k2 for row in product.nutrient_amounts.all()):
            assert "blood thinner" in product.description
        d3 = next((row for row in product.nutrient_amounts.all() if row.nutrient.is_vitamin_d), None)
        if d3 is not None and d3.amount_iu > 4000:
            assert "above the adult upper limit" in product.description

    foods = FoodSource.objects.prefetch_related("amounts__nutrient")
    assert foods.count() >= 20
    assert all(food.amounts.exists() for food in foods)
    assert not FoodNutrientAmount.objects.filter(source="").exists()
    for code in ("d3", "k2-mk7", "k2-mk4", "k1"):
        assert FoodNutrientAmount.objects.filter(nutrient__code=code).exists(), code
    salmon = FoodNutrientAmount.objects.get(food__slug="sockeye-salmon-cooked", nutrient__code="d3")
    assert (salmon.amount_mcg, salmon.amount_iu, salmon.source) == (
        Decimal("14.2"),
        568,
        "NIH ODS Vitamin D fact sheet, Table 3",
    )
    natto = FoodNutrientAmount.objects.get(food__slug="natto", nutrient__code="k2-mk7")
    assert natto.amount_mcg == 850 and natto.source == "NIH ODS Vitamin K fact sheet, Table 2"

    # Every product, active or not, has exactly one drawn label picture with its renditions.
    for product in Product.objects.prefetch_related("images"):
        images = list(product.images.all())
        assert len(images) == 1, product.sku
        image = images[0]
        assert (image.width, image.height) == (800, 800)
        assert product.brand in image.alt_text
        assert set(image.renditions) == {"mini", "card", "detail"}
        for files in image.renditions.values():
            assert default_storage.exists(files["webp"]) and default_storage.exists(files["jpeg"])
        with default_storage.open(image.image.name) as stored, Image.open(stored) as label:
            # A drawn label, not a blank square: many distinct colours.
            assert len(label.convert("RGB").getcolors(maxcolors=100_000) or []) > 20


@pytest.fixture
def quick_labels(monkeypatch):
    """A small stand-in label: these tests are about idempotence, not drawing (tested above)."""
    buffer = BytesIO()
    Image.new("RGB", (40, 40), (200, 120, 0)).save(buffer, "PNG")
    monkeypatch.setattr("shop.demo_catalog.draw_demo_label", lambda **kwargs: buffer.getvalue())


def test_a_second_run_changes_nothing_and_keeps_allocations(settings, quick_labels):
    load_demo_catalog()
    stock = Stock.objects.get(product__sku="NL-D3-2000-SG")
    stock.allocated = 7
    stock.on_hand = 55  # as a supplier feed would set it
    stock.save()
    counts, files = row_counts(), media_files(settings)
    updated_at = dict(Product.objects.values_list("sku", "updated_at"))

    out = StringIO()
    call_command("load_demo_catalog", stdout=out)

    assert "Products: 0 created, 0 updated, 35 unchanged" in out.getvalue()
    assert "Demo catalog already up to date" in out.getvalue()
    assert row_counts() == counts
    assert media_files(settings) == files
    assert dict(Product.objects.values_list("sku", "updated_at")) == updated_at
    stock.refresh_from_db()
    assert (stock.on_hand, stock.allocated) == (55, 7)


def test_a_rerun_repairs_edited_demo_rows_and_draws_missing_images(quick_labels):
    load_demo_catalog()
    Product.objects.filter(sku="FF-MK7-180-CP").update(price=Decimal("99.00"))
    ProductImage.objects.filter(product__sku="FF-MK7-180-CP").delete()

    summary = load_demo_catalog()

    assert summary.products.updated == 1
    assert summary.images_created == 1
    product = Product.objects.get(sku="FF-MK7-180-CP")
    assert product.price == Decimal("19.90")
    assert product.images.count() == 1


def test_the_summary_counts_a_first_load(quick_labels):
    summary = load_demo_catalog()

    assert summary.changed_anything
    assert summary.lines()[1] == "Products: 35 created, 0 updated, 0 unchanged"
    assert summary.images_created == summary.stock_created == 35
