"""The demo supplier: ``demo-supplier``, whose feed is a sample CSV shipped in stock_sync/demo_data/.

Its SKUs are the products' own SKUs. ``load_demo_supplier()`` is idempotent; ``manage.py
load_demo_catalog`` has it run after creating the products (through the shop's
``demo_catalog_loaded`` signal, connected in apps.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shop.models import Product

from .models import Supplier
from .services.suppliers import supplier_map_own_skus, supplier_save

DEMO_SUPPLIER_SLUG = "demo-supplier"
DEMO_FEED_PATH = Path(__file__).resolve().parent / "demo_data" / "demo-supplier-feed.csv"


@dataclass(frozen=True)
class DemoSupplierSummary:
    created: bool
    mappings_created: int


def load_demo_supplier() -> DemoSupplierSummary:
    """Create or refresh the demo supplier and map every product under its own SKU."""
    supplier = Supplier.objects.filter(slug=DEMO_SUPPLIER_SLUG).first()
    created = supplier is None
    if supplier is None:
        supplier = Supplier(
            slug=DEMO_SUPPLIER_SLUG,
            name="Demo Supplier",
            feed_format=Supplier.FeedFormat.CSV,
            sync_interval_minutes=15,
        )
    # Resolved at load time, so the checkout can live anywhere.
    supplier.feed_url = str(DEMO_FEED_PATH)
    supplier_save(supplier=supplier)
    mapped = supplier_map_own_skus(supplier=supplier, products=Product.objects.only("pk", "sku"))
    return DemoSupplierSummary(created=created, mappings_created=mapped)


def load_demo_supplier_with_the_catalog(**kwargs) -> str:
    """Receives ``shop.demo_catalog.demo_catalog_loaded``; returns the line the command prints."""
    summary = load_demo_supplier()
    return (
        f"Demo supplier: {'created' if summary.created else 'already there'}, "
        f"{summary.mappings_created} SKU mappings added."
    )
