"""Catalog builders for the performance tests: the same shapes at any size."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shop.models import ProductImage
from tests.factories import FoodSourceFactory, ProductFactory

# A 1×1 GIF: a real image file for ProductImage, without drawing renditions.
TINY_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
    b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
DOSE_SHAPES = (
    {"d3": 25},
    {"k2-mk7": 100},
    {"d3": 50, "k2-mk7": 100},
    {"k2-mk4": 1500},
    {"d3": 25, "k2-mk7": 90},
    {"d3": 20, "k2-mk7": 90, "k1": 50},
)


def build_catalog(size: int) -> list:
    """``size`` products of every dose shape (all featured, each with an image) and ``size`` foods."""
    products = []
    for index in range(size):
        product = ProductFactory(
            doses=DOSE_SHAPES[index % len(DOSE_SHAPES)],
            price=Decimal("9.99") + index,
            is_featured=True,
            stock=3 if index % 4 == 0 else 100,
        )
        ProductImage.objects.create(product=product, image=SimpleUploadedFile("p.gif", TINY_GIF), position=0)
        products.append(product)
    for index in range(size):
        FoodSourceFactory(amounts={"d3": 1 + index % 7, "k2-mk7": index % 3, "k1": 5})
    return products


@pytest.fixture
def catalog_of():
    return build_catalog
