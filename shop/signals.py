"""Bump the catalog version whenever a row shoppers see is saved or deleted through the ORM
(the admin, the demo loader, image uploads). Writes made with ``QuerySet.update`` or ``bulk_*``
send no signals; the stock services move the version themselves (a checkout without locking the
version row: see ``shop.services.catalog_version``).

Inside a transaction the bump comes BEFORE the row is written: every writer then locks the
version row before any other row (see ``catalog_version_bump``), so an admin edit and a stock
sync can never deadlock. Outside a transaction (autocommit) it comes after the write, so the new
version is never visible before the change it announces.
"""
from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal

from .models import FoodNutrientAmount, FoodSource, Nutrient, Product, ProductImage, ProductNutrient, Stock
from .services.catalog_version import catalog_version_bump

# Sent after commit by shop.services.stock whenever a write raised products' available quantity
# (on hand - allocated) from 0 to more than 0, with ``product_ids`` (a list). Later apps (reminders'
# back-in-stock emails) connect to it; the shop knows nothing of them.
stock_became_available = Signal()

CATALOG_MODELS = (Nutrient, Product, ProductNutrient, ProductImage, Stock, FoodSource, FoodNutrientAmount)


def _in_transaction(using: str) -> bool:
    return transaction.get_connection(using).in_atomic_block


def _bump_before_write(sender, using: str, **kwargs) -> None:
    if _in_transaction(using):
        catalog_version_bump()


def _bump_after_write(sender, using: str, **kwargs) -> None:
    if not _in_transaction(using):
        catalog_version_bump()


def _bump_after_m2m_change(sender, action: str, using: str, **kwargs) -> None:
    # Sent before and after each change; the "pre_" signal plays the part of pre_save.
    if action.startswith("pre_"):
        _bump_before_write(sender, using)
    else:
        _bump_after_write(sender, using)


def connect_catalog_signals() -> None:
    for model in CATALOG_MODELS:
        name = model.__name__
        pre_save.connect(_bump_before_write, sender=model, dispatch_uid=f"catalog-version-pre-save-{name}")
        post_save.connect(_bump_after_write, sender=model, dispatch_uid=f"catalog-version-post-save-{name}")
        pre_delete.connect(_bump_before_write, sender=model, dispatch_uid=f"catalog-version-pre-delete-{name}")
        post_delete.connect(_bump_after_write, sender=model, dispatch_uid=f"catalog-version-post-delete-{name}")
    m2m_changed.connect(_bump_after_m2m_change, sender=Product.nutrients.through, dispatch_uid="catalog-version-m2m")
