"""Stock-sync admin and operations: Sync now, the write-only token, the supplier's beat schedule,
run history, the low-stock view, the sync_stock command and the demo supplier."""
from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from shop.models import Product, Stock
from stock_sync import tasks
from stock_sync.demo_supplier import DEMO_FEED_PATH, DEMO_SUPPLIER_SLUG, load_demo_supplier
from stock_sync.models import StockSyncRowError, StockSyncRun, Supplier, SupplierProduct
from stock_sync.services.suppliers import SCHEDULED_SYNC_TASK, supplier_delete, supplier_save
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

pytestmark = pytest.mark.django_db
Status = StockSyncRun.Status
TOKEN = "very-secret-token-4711"


@pytest.fixture
def sent(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.sync_stock_run, "delay", lambda *args: calls.append(args))
    return calls


FORM_FEED_URL = "https://feeds.example.com/acme.csv"


def supplier_form_data(**overrides) -> dict:
    data = {
        "name": "Acme",
        "slug": "acme",
        "feed_url": FORM_FEED_URL,
        "feed_format": "csv",
        "auth_token": "",
        "is_enabled": "on",
        "sync_interval_minutes": "15",
        "products-TOTAL_FORMS": "0",
        "products-INITIAL_FORMS": "0",
        "products-MIN_NUM_FORMS": "0",
        "products-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


# --- Sync now -----------------------------------------------------------------------------------


def test_sync_now_queues_runs_and_sends_after_commit(admin_client, sent, django_capture_on_commit_callbacks):
    first, second = SupplierFactory(name="Acme"), SupplierFactory(name="Borealis")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            reverse("admin:stock_sync_supplier_changelist"),
            {"action": "sync_now", "_selected_action": [first.pk, second.pk]},
            follow=True,
        )
    runs = {run.supplier_id: run for run in StockSyncRun.objects.all()}
    assert len(callbacks) == 2
    assert sorted(sent) == sorted([(runs[first.pk].pk,), (runs[second.pk].pk,)])
    assert all(run.status == Status.QUEUED and run.trigger == "manual" for run in runs.values())
    text = response.content.decode()
    assert f"Queued a sync of Acme (run #{runs[first.pk].pk})." in text
    assert f"Queued a sync of Borealis (run #{runs[second.pk].pk})." in text


def test_sync_now_sends_nothing_before_commit(admin_client, sent, django_capture_on_commit_callbacks):
    supplier = SupplierFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client.post(
            reverse("admin:stock_sync_supplier_changelist"), {"action": "sync_now", "_selected_action": [supplier.pk]}
        )
    assert len(callbacks) == 1
    assert sent == []


# --- The token is write-only ---------------------------------------------------------------------


def test_token_is_never_shown_in_list_or_change_page(admin_client):
    supplier = SupplierFactory(name="Acme", auth_token=TOKEN)
    changelist = admin_client.get(reverse("admin:stock_sync_supplier_changelist"))
    change = admin_client.get(reverse("admin:stock_sync_supplier_change", args=[supplier.pk]))
    assert changelist.status_code == change.status_code == 200
    assert TOKEN not in changelist.content.decode()
    page = change.content.decode()
    assert TOKEN not in page
    assert 'type="password"' in page
    assert "A token is set" in page


def test_saving_with_a_blank_token_keeps_the_old_one(admin_client):
    # The same feed host as the form posts: a token is only kept for the host it was given for.
    supplier = SupplierFactory(name="Acme", slug="acme", auth_token=TOKEN, feed_url=FORM_FEED_URL)
    response = admin_client.post(
        reverse("admin:stock_sync_supplier_change", args=[supplier.pk]), supplier_form_data(name="Acme Ltd")
    )
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.name == "Acme Ltd"
    assert supplier.auth_token == TOKEN


def test_a_new_token_replaces_and_clearing_removes_it(admin_client):
    supplier = SupplierFactory(slug="acme", auth_token=TOKEN)
    url = reverse("admin:stock_sync_supplier_change", args=[supplier.pk])
    admin_client.post(url, supplier_form_data(auth_token="fresh-token"))
    supplier.refresh_from_db()
    assert supplier.auth_token == "fresh-token"
    admin_client.post(url, supplier_form_data(clear_auth_token="on"))
    supplier.refresh_from_db()
    assert supplier.auth_token == ""


def test_the_token_stays_out_of_the_admin_history(admin_client):
    supplier = SupplierFactory(slug="acme")
    admin_client.post(
        reverse("admin:stock_sync_supplier_change", args=[supplier.pk]), supplier_form_data(auth_token=TOKEN)
    )
    history = admin_client.get(reverse("admin:stock_sync_supplier_history", args=[supplier.pk]))
    assert history.status_code == 200
    assert TOKEN not in history.content.decode()


@pytest.mark.parametrize(
    ("allow_local", "url", "error"),
    [
        (False, "/srv/feeds/acme.csv", "local file feeds are for development only"),
        (True, "ftp://feeds.example.com/acme.csv", "Use an http:// or https:// URL."),
    ],
)
def test_feed_url_must_be_http_unless_local_files_are_allowed(admin_client, settings, allow_local, url, error):
    settings.STOCK_SYNC_ALLOW_LOCAL_FILES = allow_local
    response = admin_client.post(reverse("admin:stock_sync_supplier_add"), supplier_form_data(feed_url=url))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Supplier.objects.exists()


def test_local_feed_path_is_accepted_in_development(admin_client, settings):
    settings.STOCK_SYNC_ALLOW_LOCAL_FILES = True
    response = admin_client.post(
        reverse("admin:stock_sync_supplier_add"), supplier_form_data(feed_url="/srv/feed.csv")
    )
    assert response.status_code == 302
    assert Supplier.objects.get().feed_url == "/srv/feed.csv"


def test_supplier_list_shows_the_last_run_without_a_query_per_row(admin_client, django_assert_max_num_queries):
    for name in ["Acme", *(f"Supplier {n}" for n in range(12))]:
        supplier = SupplierFactory(name=name)
        StockSyncRun.objects.create(supplier=supplier, status=Status.FAILED)
        StockSyncRun.objects.create(supplier=supplier, status=Status.SUCCEEDED)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:stock_sync_supplier_changelist"))
    latest = StockSyncRun.objects.filter(supplier__name="Acme").order_by("-pk").first()
    assert f"#{latest.pk} Succeeded" in response.content.decode()


# --- The beat schedule follows the supplier --------------------------------------------------------


def test_adding_a_supplier_in_the_admin_creates_its_periodic_task(admin_client):
    response = admin_client.post(
        reverse("admin:stock_sync_supplier_add"), supplier_form_data(sync_interval_minutes="20", auth_token=TOKEN)
    )
    assert response.status_code == 302
    supplier = Supplier.objects.get(slug="acme")
    task = supplier.periodic_task
    assert task.task == SCHEDULED_SYNC_TASK
    assert json.loads(task.args) == [supplier.pk]
    assert (task.interval.every, task.interval.period) == (20, IntervalSchedule.MINUTES)
    assert task.enabled is True
    assert task.expire_seconds == 20 * 60
    assert TOKEN not in task.args + task.kwargs + task.description


def test_updating_and_disabling_keeps_the_task_in_step(admin_client):
    admin_client.post(reverse("admin:stock_sync_supplier_add"), supplier_form_data())
    supplier = Supplier.objects.get(slug="acme")
    task_pk = supplier.periodic_task_id
    data = supplier_form_data(sync_interval_minutes="60")
    del data["is_enabled"]
    admin_client.post(reverse("admin:stock_sync_supplier_change", args=[supplier.pk]), data)
    task = PeriodicTask.objects.get(pk=task_pk)
    assert PeriodicTask.objects.filter(task=SCHEDULED_SYNC_TASK).count() == 1
    assert task.interval.every == 60
    assert task.expire_seconds == 3600
    assert task.enabled is False


def test_deleting_in_the_admin_deletes_the_task(admin_client):
    admin_client.post(reverse("admin:stock_sync_supplier_add"), supplier_form_data())
    supplier = Supplier.objects.get(slug="acme")
    response = admin_client.post(reverse("admin:stock_sync_supplier_delete", args=[supplier.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Supplier.objects.exists()
    assert not PeriodicTask.objects.filter(task=SCHEDULED_SYNC_TASK).exists()


def test_bulk_delete_deletes_every_task(admin_client):
    for slug in ("one", "two"):
        supplier_save(supplier=Supplier(name=slug, slug=slug, feed_url="/tmp/feed.csv"))
    admin_client.post(
        reverse("admin:stock_sync_supplier_changelist"),
        {"action": "delete_selected", "_selected_action": list(Supplier.objects.values_list("pk", flat=True)),
         "post": "yes"},
    )
    assert not Supplier.objects.exists()
    assert not PeriodicTask.objects.filter(task=SCHEDULED_SYNC_TASK).exists()


def test_service_functions_keep_the_task_in_step():
    supplier = supplier_save(supplier=Supplier(name="X", slug="x", feed_url="/tmp/feed.csv"))
    supplier.slug = "renamed"
    supplier.is_enabled = False
    supplier_save(supplier=supplier)
    task = PeriodicTask.objects.get(task=SCHEDULED_SYNC_TASK)
    assert task.enabled is False
    assert task.name == f"Stock sync: supplier #{supplier.pk}"
    supplier_delete(supplier=supplier)
    assert not PeriodicTask.objects.exists()


# --- Run history and low stock ------------------------------------------------------------------


def test_run_history_shows_counts_and_row_errors_read_only(admin_client):
    supplier = SupplierFactory(name="Acme")
    run = StockSyncRun.objects.create(
        supplier=supplier, status=Status.PARTIAL, rows_seen=3, rows_updated=1, rows_unchanged=1, rows_rejected=1,
        message="3 rows: 1 updated, 1 unchanged, 1 rejected.",
    )
    StockSyncRowError.objects.create(run=run, line=4, sku="GHOST-9", reason="unknown_sku", detail="No product")
    listing = admin_client.get(reverse("admin:stock_sync_stocksyncrun_changelist"))
    assert listing.status_code == 200
    assert "Partial" in listing.content.decode()
    page = admin_client.get(reverse("admin:stock_sync_stocksyncrun_change", args=[run.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "GHOST-9" in text and "Unknown SKU" in text
    assert 'name="_save"' not in text
    assert admin_client.get(reverse("admin:stock_sync_stocksyncrun_add")).status_code == 403


def test_low_stock_view_lists_low_and_flags_oversold(admin_client, settings):
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    ProductFactory(name="Plenty", stock=50)
    ProductFactory(name="Nearly Gone", stock=3)
    oversold = ProductFactory(name="Oversold One", stock=2)
    Stock.objects.filter(product=oversold).update(allocated=6)
    no_stock = ProductFactory(name="Never Stocked")
    Stock.objects.filter(product=no_stock).delete()
    url = reverse("admin:stock_sync_lowstockproduct_changelist")
    text = admin_client.get(url).content.decode()
    assert "Nearly Gone" in text and "Oversold One" in text and "Never Stocked" in text
    assert "Plenty" not in text
    only_oversold = admin_client.get(url, {"oversold": "yes"}).content.decode()
    assert "Oversold One" in only_oversold
    assert "Nearly Gone" not in only_oversold
    detail = admin_client.get(reverse("admin:stock_sync_lowstockproduct_change", args=[oversold.pk]))
    assert detail.status_code == 200
    assert "Oversold One" in detail.content.decode()


# --- sync_stock command -------------------------------------------------------------------------


@pytest.fixture
def mapped_supplier(tmp_path):
    supplier = SupplierFactory(slug="acme", name="Acme", feed_url=str(tmp_path / "missing.csv"))
    SupplierProductFactory(supplier=supplier, product=ProductFactory(sku="A", stock=1), supplier_sku="A")
    return supplier


def test_command_runs_a_sync_and_prints_the_summary(mapped_supplier, tmp_path, capsys):
    feed = tmp_path / "feed.csv"
    feed.write_text("sku,quantity\nA,9\nZ,1\n")
    call_command("sync_stock", "--supplier", "acme", "--file", str(feed))
    out = capsys.readouterr().out
    run = StockSyncRun.objects.get()
    assert run.status == Status.PARTIAL and run.trigger == "command"
    assert f"Run #{run.pk} of acme: Partial" in out
    assert "2 rows: 1 updated, 0 unchanged, 1 rejected." in out
    assert "line 3: Z: Unknown SKU" in out
    assert Stock.objects.get(product__sku="A").on_hand == 9


def test_command_uses_the_feed_url_without_file(mapped_supplier, tmp_path, capsys):
    (tmp_path / "missing.csv").write_text("sku,quantity\nA,4\n")
    call_command("sync_stock", "--supplier", "acme")
    assert "Succeeded" in capsys.readouterr().out
    assert Stock.objects.get(product__sku="A").on_hand == 4


def test_command_exits_1_when_the_run_fails(mapped_supplier):
    with pytest.raises(CommandError, match="Failed") as failure:
        call_command("sync_stock", "--supplier", "acme")
    assert failure.value.returncode == 1
    assert StockSyncRun.objects.get().status == Status.FAILED


def test_command_exits_2_for_an_unknown_supplier(mapped_supplier):
    with pytest.raises(CommandError, match="No supplier with slug 'nope' \\(known: acme\\)") as failure:
        call_command("sync_stock", "--supplier", "nope")
    assert failure.value.returncode == 2
    assert not StockSyncRun.objects.exists()


# --- Demo supplier ------------------------------------------------------------------------------


def test_demo_supplier_is_idempotent_and_its_feed_applies_cleanly():
    skus = [line.split(",")[0] for line in DEMO_FEED_PATH.read_text().splitlines()[1:] if line.strip()]
    for sku in skus:
        ProductFactory(sku=sku)
    first = load_demo_supplier()
    second = load_demo_supplier()
    supplier = Supplier.objects.get(slug=DEMO_SUPPLIER_SLUG)
    assert first.created and not second.created
    assert second.mappings_created == 0
    assert supplier.feed_url == str(DEMO_FEED_PATH) and DEMO_FEED_PATH.is_absolute()
    assert SupplierProduct.objects.filter(supplier=supplier).count() == Product.objects.count() == len(skus)
    assert PeriodicTask.objects.filter(task=SCHEDULED_SYNC_TASK).count() == 1
    call_command("sync_stock", "--supplier", DEMO_SUPPLIER_SLUG)
    assert StockSyncRun.objects.get().status == Status.SUCCEEDED
