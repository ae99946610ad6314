"""Moving the stock-sync models out of the shop app keeps every row, schedule and staff right.

The database is taken back to the schema before the move (shop at 0005, no stock_sync app), filled
through the models of that time, and migrated forward again with Django's migration executor.
"""
from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_celery_beat.models import PeriodicTask

from shop.models import Stock
from stock_sync.models import StockSyncRowError, StockSyncRun, Supplier, SupplierProduct

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_THE_MOVE = ("shop", "0005_api_token")
KEYS = {"acme": "", "globex": "&api_key=k-42"}


def migrate_to(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


def migrate_back_before_the_move():
    """Returns the models as they were before the move."""
    executor = migrate_to([BEFORE_THE_MOVE, ("stock_sync", None)])
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in ("shop", "stock_sync")]
    return executor.loader.project_state([BEFORE_THE_MOVE, *others]).apps


def migrate_to_the_latest() -> None:
    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


def fill_the_old_schema(old) -> dict:
    """Two suppliers with schedules, mappings, runs and row errors, and staff with stock-sync rights."""
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    interval = old.get_model("django_celery_beat", "IntervalSchedule").objects.create(every=15, period="minutes")
    tasks = old.get_model("django_celery_beat", "PeriodicTask").objects
    prune = tasks.create(name="prune-stock-sync-runs", task="shop.tasks.prune_stock_sync_runs", interval=interval)
    product = old.get_model("shop", "Product").objects.create(
        sku="D3-1000", slug="d3-1000", name="Sunny D3", brand="Acme", form="softgel",
        servings_per_container=60, price="9.90",
    )
    old.get_model("shop", "Stock").objects.create(product=product, on_hand=12, allocated=3)
    suppliers = []
    for slug in ("acme", "globex"):
        schedule = tasks.create(
            name=f"Stock sync: {slug}", task="shop.tasks.sync_supplier_stock_scheduled", interval=interval,
            args="[1]",
        )
        supplier = old.get_model("shop", "Supplier").objects.create(
            # globex wrote a key into its URL, as before feed-URL credentials had fields of their own.
            name=slug.title(), slug=slug, feed_url=f"https://{slug}.example/feed.csv?format=csv{KEYS[slug]}",
            auth_token=f"tok-{slug}",
            periodic_task=schedule,
        )
        old.get_model("shop", "SupplierProduct").objects.create(
            supplier=supplier, product=product, supplier_sku=f"{slug.upper()}-1"
        )
        for status in ("succeeded", "partial"):
            run = old.get_model("shop", "StockSyncRun").objects.create(
                supplier=supplier, status=status, trigger="schedule", rows_seen=2, rows_rejected=1
            )
            old.get_model("shop", "StockSyncRowError").objects.create(
                run=run, line=2, sku="NOPE", reason="unknown_sku", detail=f"{slug} {status}"
            )
        suppliers.append(supplier)

    def permission(codename: str, model: str):
        content_type, _ = ContentType.objects.get_or_create(app_label="shop", model=model)
        return Permission.objects.get_or_create(
            codename=codename, content_type=content_type, defaults={"name": codename.replace("_", " ")}
        )[0]

    staff = old.get_model("auth", "User").objects.create(username="stock-clerk", is_staff=True)
    staff.user_permissions.add(
        permission("run_stock_sync", "supplier"),
        permission("change_supplier", "supplier"),
        permission("view_stocksyncrun", "stocksyncrun"),
    )
    group = old.get_model("auth", "Group").objects.create(name="Buyers")
    group.permissions.add(permission("view_lowstockproduct", "lowstockproduct"))
    buyer = old.get_model("auth", "User").objects.create(username="buyer", is_staff=True)
    buyer.groups.add(group)
    log = old.get_model("admin", "LogEntry").objects.create(
        user=staff, content_type=ContentType.objects.get(app_label="shop", model="supplier"),
        object_id=str(suppliers[0].pk), object_repr="Acme", action_flag=CHANGE, change_message="[]",
    )
    return {
        "suppliers": {s.pk: (s.slug, s.auth_token, s.periodic_task_id) for s in suppliers},
        "prune_task": prune.pk,
        "staff": staff.pk,
        "buyer": buyer.pk,
        "log": log.pk,
        "permission_ids": set(Permission.objects.values_list("pk", flat=True)),
        "content_type_ids": set(ContentType.objects.values_list("pk", flat=True)),
    }


def test_migrating_from_before_the_move_keeps_every_row_schedule_and_right():
    before = fill_the_old_schema(migrate_back_before_the_move())

    migrate_to_the_latest()

    suppliers = {s.pk: (s.slug, s.auth_token, s.periodic_task_id) for s in Supplier.objects.all()}
    assert suppliers == before["suppliers"]
    assert SupplierProduct.objects.count() == 2
    assert set(SupplierProduct.objects.values_list("supplier__slug", "supplier_sku", "product__sku")) == {
        ("acme", "ACME-1", "D3-1000"), ("globex", "GLOBEX-1", "D3-1000"),
    }
    assert StockSyncRun.objects.count() == 4
    assert set(StockSyncRowError.objects.values_list("run__supplier__slug", "run__status", "detail")) == {
        ("acme", "succeeded", "acme succeeded"), ("acme", "partial", "acme partial"),
        ("globex", "succeeded", "globex succeeded"), ("globex", "partial", "globex partial"),
    }
    assert Stock.objects.values_list("on_hand", "allocated").get() == (12, 3)
    # stock_sync 0002 moved the key out of the shown URL, as shop's migration did before the move.
    globex = Supplier.objects.get(slug="globex")
    assert globex.feed_url == "https://globex.example/feed.csv?format=csv"
    assert globex.feed_url_secret_query == "api_key=k-42"

    # Each supplier's schedule now names the task where it lives; so does the housekeeping one.
    for _slug, _token, task_id in before["suppliers"].values():
        assert PeriodicTask.objects.get(pk=task_id).task == "stock_sync.tasks.sync_supplier_stock_scheduled"
    assert PeriodicTask.objects.get(pk=before["prune_task"]).task == "stock_sync.tasks.prune_stock_sync_runs"
    assert not PeriodicTask.objects.filter(task__startswith="shop.tasks.").exists()

    # The same permission rows, now under the stock_sync label: staff keep exactly their rights.
    from django.contrib.auth.models import Permission

    assert set(Permission.objects.values_list("pk", flat=True)) == before["permission_ids"]
    assert set(ContentType.objects.values_list("pk", flat=True)) == before["content_type_ids"]
    staff = get_user_model().objects.get(pk=before["staff"])
    assert staff.has_perm("stock_sync.run_stock_sync")
    assert staff.has_perm("stock_sync.change_supplier")
    assert staff.has_perm("stock_sync.view_stocksyncrun")
    assert not staff.has_perm("stock_sync.delete_supplier")
    assert not staff.has_perm("shop.run_stock_sync")
    assert get_user_model().objects.get(pk=before["buyer"]).has_perm("stock_sync.view_lowstockproduct")

    # The admin's history of a supplier still points at that supplier.
    log = LogEntry.objects.get(pk=before["log"])
    assert log.content_type.model_class() is Supplier
    assert log.get_edited_object() == Supplier.objects.get(slug="acme")
