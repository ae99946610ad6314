"""Suppliers: saving and deleting them with their beat schedule, and mapping their SKUs.

Each supplier owns one django-celery-beat PeriodicTask that runs its sync every
``sync_interval_minutes``. Saving or deleting a supplier through these functions keeps that task in
step (created, rescheduled, enabled/disabled, deleted) in the same transaction.

Saving also keeps the feed's secrets (auth token, credentials written into the feed URL) write-only
and tied to the feed's origin: see ``supplier_save``.
"""
from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from shop.models import Product

from ..feed_urls import feed_origin, split_feed_url
from ..models import Supplier, SupplierProduct

# The task's name, not the task: services never import the task module (it imports them).
SCHEDULED_SYNC_TASK = "stock_sync.tasks.sync_supplier_stock_scheduled"


def supplier_save(
    *, supplier: Supplier, auth_token: str | None = None, clear_feed_url_credentials: bool = False
) -> Supplier:
    """Save the supplier and create or update its periodic sync task to match it.

    Credentials in ``supplier.feed_url`` (``user:password@``, ``api_key=…`` and the like) are moved
    to the write-only fields, replacing stored ones. ``auth_token`` sets a new token ("" removes
    it); None keeps the stored one. When the feed's origin (scheme, host, port) changes, every stored
    secret not given in this same change is dropped: whoever may edit a supplier must not be able to
    re-point its feed at a server of their own and receive the secrets meant for the supplier.
    """
    with transaction.atomic():
        _secure_feed_secrets(supplier, auth_token=auth_token, clear_feed_url_credentials=clear_feed_url_credentials)
        supplier.save()
        schedule, _ = IntervalSchedule.objects.get_or_create(
            every=supplier.sync_interval_minutes, period=IntervalSchedule.MINUTES
        )
        task = supplier.periodic_task or PeriodicTask(task=SCHEDULED_SYNC_TASK)
        task.name = periodic_task_name(supplier)
        task.task = SCHEDULED_SYNC_TASK
        task.interval = schedule
        task.args = json.dumps([supplier.pk])
        task.enabled = supplier.is_enabled
        # A run still waiting in the queue when the next one is due is stale: the broker drops it.
        task.expire_seconds = supplier.sync_interval_minutes * 60
        task.description = f"Stock sync for supplier {supplier.slug} (managed by the Supplier admin)."
        task.save()
        if supplier.periodic_task_id != task.pk:
            supplier.periodic_task = task
            supplier.save(update_fields=["periodic_task"])
    return supplier


def _secure_feed_secrets(supplier: Supplier, *, auth_token: str | None, clear_feed_url_credentials: bool) -> None:
    stored = (
        Supplier.objects.select_for_update()
        .filter(pk=supplier.pk)
        .values("feed_url", "auth_token", "feed_url_userinfo", "feed_url_secret_query")
        .first()
        if supplier.pk
        else None
    )
    split = split_feed_url(supplier.feed_url.strip())
    supplier.feed_url = split.url
    new_url_credentials = bool(split.userinfo or split.secret_query)
    if new_url_credentials or clear_feed_url_credentials:
        supplier.feed_url_userinfo = split.userinfo
        supplier.feed_url_secret_query = split.secret_query
    token_given = auth_token is not None or (stored is not None and supplier.auth_token != stored["auth_token"])
    if auth_token is not None:
        supplier.auth_token = auth_token.strip()
    if stored is not None and feed_origin(stored["feed_url"]) != feed_origin(supplier.feed_url):
        if not token_given:
            supplier.auth_token = ""
        if not new_url_credentials:
            supplier.feed_url_userinfo = supplier.feed_url_secret_query = ""


def supplier_delete(*, supplier: Supplier) -> None:
    """Delete the supplier, its mappings and run history, and its periodic sync task."""
    with transaction.atomic():
        task_id = supplier.periodic_task_id
        supplier.delete()
        if task_id is not None:
            PeriodicTask.objects.filter(pk=task_id).delete()


def periodic_task_name(supplier: Supplier) -> str:
    # Keyed on the id, not the slug, so renaming a supplier never orphans its task.
    return f"Stock sync: supplier #{supplier.pk}"


def supplier_map_skus(*, supplier: Supplier, product_ids_by_supplier_sku: dict[str, int]) -> int:
    """Map supplier SKUs to products, replacing a SKU's previous product; returns how many were new."""
    existing = {sku: (pk, product_id) for sku, pk, product_id in supplier.products.values_list(
        "supplier_sku", "pk", "product_id"
    )}
    created = 0
    with transaction.atomic():
        for sku, product_id in product_ids_by_supplier_sku.items():
            if sku in existing:
                mapping_pk, mapped_product_id = existing[sku]
                if mapped_product_id != product_id:
                    SupplierProduct.objects.filter(pk=mapping_pk).update(product_id=product_id)
            else:
                SupplierProduct.objects.create(supplier=supplier, supplier_sku=sku, product_id=product_id)
                created += 1
    return created


def supplier_map_own_skus(*, supplier: Supplier, products: Iterable[Product]) -> int:
    """Map products under their own SKU, for suppliers that use the shop's SKUs."""
    return supplier_map_skus(supplier=supplier, product_ids_by_supplier_sku={p.sku: p.pk for p in products})
