"""The demo catalog (without its drawn label pictures, which search never reads) for search tests."""
from __future__ import annotations

import pytest

from shop import demo_catalog


@pytest.fixture
def demo_products(monkeypatch, db):
    monkeypatch.setattr(demo_catalog, "_draw_missing_images", lambda summary, products: None)
    demo_catalog.load_demo_catalog()
