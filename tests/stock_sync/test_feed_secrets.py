"""Credentials in feed URLs and the auth token: write-only, tied to the feed's host, never shown back;
and running a sync is a permission of its own."""
from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from rest_framework.test import APIClient

from stock_sync import tasks
from stock_sync.feed_urls import feed_origin, join_feed_url, redact_url, split_feed_url
from stock_sync.models import StockSyncRun, Supplier
from stock_sync.services.runs import stock_sync_run_create, stock_sync_run_execute
from stock_sync.services.suppliers import supplier_save
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

PASSWORD = "pa55-w0rd-7781"
API_KEY = "k3y-value-90210"
TOKEN = "bearer-token-31337"
SECRETS = (PASSWORD, API_KEY, TOKEN, "feeduser")
URL_WITH_CREDENTIALS = f"https://feeduser:{PASSWORD}@feeds.example.com/acme.csv?format=csv&api_key={API_KEY}"


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# --- Splitting URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "clean", "userinfo", "secret_query"),
    [
        ("https://u:p@h.example/f.csv", "https://h.example/f.csv", "u:p", ""),
        ("https://h.example/f.csv?api_key=1&format=csv", "https://h.example/f.csv?format=csv", "", "api_key=1"),
        ("https://h.example/f?token=a&key=b&x=1", "https://h.example/f?x=1", "", "token=a&key=b"),
        ("https://h.example/f?Access-Token=a&apiKey=b", "https://h.example/f", "", "Access-Token=a&apiKey=b"),
        ("https://h.example/f?sig=a&password=b&client_secret=c", "https://h.example/f", "", "sig=a&password=b&client_secret=c"),  # noqa: E501
        ("HTTP://u@h.example:8080/f", "http://h.example:8080/f", "u", ""),
        ("https://h.example/f.csv?page=2", "https://h.example/f.csv?page=2", "", ""),
        ("/srv/feeds/a.csv", "/srv/feeds/a.csv", "", ""),
    ],
)
def test_split_feed_url(url, clean, userinfo, secret_query):
    split = split_feed_url(url)
    assert (split.url, split.userinfo, split.secret_query) == (clean, userinfo, secret_query)
    assert split_feed_url(join_feed_url(split.url, userinfo=split.userinfo, secret_query=split.secret_query)) == split


def test_redact_url_hides_every_credential():
    shown = redact_url(URL_WITH_CREDENTIALS)
    assert_no_secret(shown)
    assert shown == "https://***@feeds.example.com/acme.csv?format=csv&api_key=***"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://h.example/a.csv", "https://H.EXAMPLE:443/b.csv?x=1", True),
        ("https://h.example/a.csv", "http://h.example/a.csv", False),
        ("https://h.example/a.csv", "https://h.example:8443/a.csv", False),
        ("https://h.example/a.csv", "https://evil.example/a.csv", False),
        ("https://h.example/a.csv", "https://h.example.evil.example/a.csv", False),
        ("/srv/a.csv", "/srv/b.csv", True),
    ],
)
def test_feed_origin(a, b, same):
    assert (feed_origin(a) == feed_origin(b)) is same


# --- supplier_save ------------------------------------------------------------------------------


def test_credentials_in_the_url_are_split_off_on_save(db):
    supplier = supplier_save(supplier=Supplier(name="Acme", slug="acme", feed_url=URL_WITH_CREDENTIALS))
    supplier.refresh_from_db()
    assert supplier.feed_url == "https://feeds.example.com/acme.csv?format=csv"
    assert supplier.feed_url_userinfo == f"feeduser:{PASSWORD}"
    assert supplier.feed_url_secret_query == f"api_key={API_KEY}"


def stored_supplier(**fields) -> Supplier:
    supplier = Supplier(name="Acme", slug="acme", feed_url=URL_WITH_CREDENTIALS, **fields)
    return supplier_save(supplier=supplier, auth_token=TOKEN)


@pytest.mark.parametrize(
    "new_url",
    [
        "https://attacker.example/acme.csv?format=csv",
        "http://feeds.example.com/acme.csv?format=csv",  # the same host without TLS
        "https://feeds.example.com:8443/acme.csv?format=csv",
        "https://feeds.example.com.attacker.example/acme.csv",
    ],
)
def test_re_pointing_the_feed_at_another_origin_drops_every_stored_secret(db, new_url):
    supplier = stored_supplier()
    supplier.feed_url = new_url
    supplier_save(supplier=supplier)
    supplier.refresh_from_db()
    assert (supplier.auth_token, supplier.feed_url_userinfo, supplier.feed_url_secret_query) == ("", "", "")


def test_another_path_on_the_same_host_keeps_the_secrets(db):
    supplier = stored_supplier()
    supplier.feed_url = "https://FEEDS.example.com:443/v2/acme.csv"
    supplier_save(supplier=supplier)
    supplier.refresh_from_db()
    assert supplier.auth_token == TOKEN
    assert supplier.feed_url_userinfo == f"feeduser:{PASSWORD}"


def test_secrets_given_with_the_new_host_are_kept(db):
    supplier = stored_supplier()
    supplier.feed_url = "https://new:n3w@mirror.example/acme.csv?token=fresh"
    supplier_save(supplier=supplier, auth_token="fresh-bearer")
    supplier.refresh_from_db()
    assert supplier.feed_url == "https://mirror.example/acme.csv"
    assert (supplier.auth_token, supplier.feed_url_userinfo, supplier.feed_url_secret_query) == (
        "fresh-bearer", "new:n3w", "token=fresh"
    )


def test_the_stored_url_credentials_can_be_cleared(db):
    supplier = stored_supplier()
    supplier_save(supplier=supplier, clear_feed_url_credentials=True)
    supplier.refresh_from_db()
    assert (supplier.feed_url_userinfo, supplier.feed_url_secret_query) == ("", "")
    assert supplier.auth_token == TOKEN


def test_migration_splits_credentials_already_stored_in_urls(db):
    supplier = SupplierFactory(feed_url=URL_WITH_CREDENTIALS)  # written directly, as before the fix
    migration = __import__("stock_sync.migrations.0002_supplier_feed_url_credentials", fromlist=["x"])
    migration.split_stored_feed_urls(apps, None)
    supplier.refresh_from_db()
    assert supplier.feed_url == "https://feeds.example.com/acme.csv?format=csv"
    assert supplier.feed_url_userinfo == f"feeduser:{PASSWORD}"
    assert supplier.feed_url_secret_query == f"api_key={API_KEY}"


# --- Never shown back ---------------------------------------------------------------------------


def supplier_form_data(**overrides) -> dict:
    data = {
        "name": "Acme",
        "slug": "acme",
        "feed_url": URL_WITH_CREDENTIALS,
        "feed_format": "csv",
        "auth_token": TOKEN,
        "is_enabled": "on",
        "sync_interval_minutes": "15",
        "products-TOTAL_FORMS": "0",
        "products-INITIAL_FORMS": "0",
        "products-MIN_NUM_FORMS": "0",
        "products-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_admin_never_shows_url_credentials_and_says_they_are_set(admin_client):
    response = admin_client.post(reverse("admin:stock_sync_supplier_add"), supplier_form_data())
    assert response.status_code == 302
    supplier = Supplier.objects.get(slug="acme")
    change = admin_client.get(reverse("admin:stock_sync_supplier_change", args=[supplier.pk])).content.decode()
    changelist = admin_client.get(reverse("admin:stock_sync_supplier_changelist")).content.decode()
    history = admin_client.get(reverse("admin:stock_sync_supplier_history", args=[supplier.pk])).content.decode()
    for page in (change, changelist, history):
        assert_no_secret(page)
    assert "https://feeds.example.com/acme.csv?format=csv" in change
    assert "Credentials of the feed URL: set (a user name and password; parameter(s) api_key)" in change


@pytest.mark.parametrize("url", ["http://[::1/feed.csv", "https://feeds.example.com:99999/a.csv"])
def test_admin_refuses_a_feed_url_that_does_not_parse(admin_client, url):
    response = admin_client.post(reverse("admin:stock_sync_supplier_add"), supplier_form_data(feed_url=url))
    assert response.status_code == 200
    assert "This is not a valid URL" in response.content.decode()
    assert not Supplier.objects.exists()


def test_admin_clears_url_credentials_and_says_so(admin_client):
    admin_client.post(reverse("admin:stock_sync_supplier_add"), supplier_form_data())
    supplier = Supplier.objects.get(slug="acme")
    url = reverse("admin:stock_sync_supplier_change", args=[supplier.pk])
    data = supplier_form_data(
        feed_url="https://feeds.example.com/acme.csv", auth_token="", clear_feed_url_credentials="on"
    )
    assert admin_client.post(url, data).status_code == 302
    supplier.refresh_from_db()
    assert (supplier.feed_url_userinfo, supplier.feed_url_secret_query, supplier.auth_token) == ("", "", TOKEN)
    assert "Credentials of the feed URL: not set" in admin_client.get(url).content.decode()


def test_admin_re_pointing_the_host_drops_the_stored_token(admin_client):
    admin_client.post(reverse("admin:stock_sync_supplier_add"), supplier_form_data())
    supplier = Supplier.objects.get(slug="acme")
    data = supplier_form_data(feed_url="https://collector.attacker.example/x.csv", auth_token="")
    assert admin_client.post(reverse("admin:stock_sync_supplier_change", args=[supplier.pk]), data).status_code == 302
    supplier.refresh_from_db()
    assert (supplier.auth_token, supplier.feed_url_userinfo, supplier.feed_url_secret_query) == ("", "", "")


def test_the_api_never_returns_url_credentials(db):
    supplier_save(supplier=Supplier(name="Acme", slug="acme", feed_url=URL_WITH_CREDENTIALS), auth_token=TOKEN)
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-12345678"))
    response = client.get("/api/suppliers/")
    assert response.status_code == 200
    assert_no_secret(response.content.decode())
    assert response.json()["results"][0]["feed_url"] == "https://feeds.example.com/acme.csv?format=csv"


def test_run_messages_and_logs_never_show_url_credentials(db, caplog, settings):
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = []
    # Loopback, not allowed here: refused by the address check before any connection.
    supplier = supplier_save(
        supplier=Supplier(name="Acme", slug="acme", feed_url=f"http://feeduser:{PASSWORD}@127.0.0.1:1/f?key={API_KEY}"),
        auth_token=TOKEN,
    )
    caplog.set_level(logging.DEBUG)
    run = stock_sync_run_execute(run_id=stock_sync_run_create(supplier=supplier, trigger="test").pk)
    assert run.status == StockSyncRun.Status.FAILED
    assert_no_secret(run.message)
    assert_no_secret(caplog.text)


def test_the_fetch_sends_the_stored_url_credentials(db, httpserver, settings):
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = [f"127.0.0.1:{httpserver.port}"]
    product = ProductFactory(sku="A", stock=1)
    url = httpserver.url_for("/feed.csv").replace("http://", f"http://feeduser:{PASSWORD}@")
    url += f"?api_key={API_KEY}&v=2"
    supplier = supplier_save(supplier=Supplier(name="Acme", slug="acme", feed_url=url))
    SupplierProductFactory(supplier=supplier, product=product, supplier_sku="A")
    httpserver.expect_request(
        "/feed.csv",
        query_string={"v": "2", "api_key": API_KEY},
        headers={"Authorization": "Basic ZmVlZHVzZXI6cGE1NS13MHJkLTc3ODE="},  # feeduser:pa55-w0rd-7781
    ).respond_with_data("sku,quantity\nA,7\n")
    run = stock_sync_run_execute(run_id=stock_sync_run_create(supplier=supplier, trigger="test").pk)
    assert run.status == StockSyncRun.Status.SUCCEEDED, run.message
    product.stock.refresh_from_db()
    assert product.stock.on_hand == 7


# --- Running a sync is a permission of its own --------------------------------------------------


@pytest.fixture
def supplier_editor(client, db):
    user = get_user_model().objects.create_user("editor", "editor@example.com", "editor-pass-123", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="stock_sync", codename__in=["view_supplier", "change_supplier"]
        )
    )
    client.force_login(user)
    return user


@pytest.fixture
def sent(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.sync_stock_run, "delay", lambda *args: calls.append(args))
    return calls


def post_sync_now(client, supplier):
    return client.post(
        reverse("admin:stock_sync_supplier_changelist"), {"action": "sync_now", "_selected_action": [supplier.pk]}
    )


def test_sync_now_needs_the_run_stock_sync_permission(
    client, supplier_editor, sent, django_capture_on_commit_callbacks
):
    supplier = SupplierFactory(slug="acme")
    changelist = client.get(reverse("admin:stock_sync_supplier_changelist"))
    assert changelist.status_code == 200
    assert "sync_now" not in changelist.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        post_sync_now(client, supplier)
    assert StockSyncRun.objects.count() == 0
    assert sent == []

    supplier_editor.user_permissions.add(Permission.objects.get(codename="run_stock_sync"))
    supplier_editor = get_user_model().objects.get(pk=supplier_editor.pk)  # drop the permission cache
    with django_capture_on_commit_callbacks(execute=True):
        post_sync_now(client, supplier)
    assert StockSyncRun.objects.filter(supplier=supplier, trigger="manual").count() == 1
    assert len(sent) == 1
