"""A sync run keeps the products it brought to or under the low-stock threshold, and its admin page
names them, linked to each product."""
from __future__ import annotations

import pytest
from django.urls import reverse

from shop.models import Stock
from stock_sync.models import StockSyncLowProduct
from tests.factories import ProductFactory, SupplierProductFactory
from tests.stock_sync.test_runs import products, run_sync, supplier, write_feed  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def test_a_run_records_the_products_that_went_low(supplier, products, settings):  # noqa: F811
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    low_already = ProductFactory(sku="LOW", name="Already Low", stock=2)
    SupplierProductFactory(supplier=supplier, product=low_already, supplier_sku="SUP-LOW")
    Stock.objects.filter(product=products["C"]).update(allocated=8)
    write_feed(supplier, "sku,quantity\nSUP-A,5\nSUP-B,20\nSUP-C,6\nSUP-LOW,1\n")

    run = run_sync(supplier)

    recorded = {low.product.sku: (low.on_hand, low.allocated, low.available) for low in run.low_products.all()}
    assert recorded == {"A": (5, 0, 5), "C": (6, 8, 0)}


def test_a_run_that_changes_nothing_low_records_nothing(supplier, products):  # noqa: F811
    write_feed(supplier, "sku,quantity\nSUP-A,100\n")
    assert not run_sync(supplier).low_products.exists()


def test_a_failed_run_records_nothing(supplier, products):  # noqa: F811
    write_feed(supplier, "wrong,header\nSUP-A,0\n")
    run_sync(supplier)
    assert not StockSyncLowProduct.objects.exists()


def test_the_run_admin_page_names_the_products_that_went_low(admin_client, supplier, products, settings):  # noqa: F811
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    Stock.objects.filter(product=products["C"]).update(allocated=8)
    write_feed(supplier, "sku,quantity\nSUP-A,5\nSUP-C,6\n")
    run = run_sync(supplier)

    html = admin_client.get(reverse("admin:stock_sync_stocksyncrun_change", args=[run.pk])).content.decode()

    assert "Products that went low" in html
    for product in (products["A"], products["C"]):
        assert f'href="{reverse("admin:shop_product_change", args=[product.pk])}">{product.name}</a>' in html
    assert products["B"].name not in html


def test_the_run_admin_page_reads_the_products_in_one_query(
    admin_client, supplier, settings, django_assert_max_num_queries  # noqa: F811
):
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    feed = ["sku,quantity"]
    for index in range(15):
        SupplierProductFactory(supplier=supplier, product=ProductFactory(stock=50), supplier_sku=f"S{index}")
        feed.append(f"S{index},1")
    write_feed(supplier, "\n".join(feed) + "\n")
    run = run_sync(supplier)
    assert run.low_products.count() == 15
    url = reverse("admin:stock_sync_stocksyncrun_change", args=[run.pk])
    admin_client.get(url)
    with django_assert_max_num_queries(12):
        assert admin_client.get(url).status_code == 200
