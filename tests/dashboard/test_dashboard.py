"""The staff dashboard on the admin index: its figures, its links, its cost in queries, and that each
section shows only to staff who may read what it counts."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from advisor.models import AdvisorResult
from dashboard import selectors
from dashboard.selectors import Period, dashboard_figures
from shop.models import Order, Stock
from stock_sync.models import StockSyncRun
from tests.factories import OrderFactory, ProductFactory, StaffUserFactory, SupplierFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
ADMIN_INDEX = "/admin/"


@pytest.fixture
def period(monkeypatch):
    """Today began two hours ago and the week three days ago, whatever day the tests run."""
    now = timezone.now()
    fixed = Period(today_start=now - timedelta(hours=2), week_start=now - timedelta(days=3))
    monkeypatch.setattr(Period, "current", classmethod(lambda cls: fixed))
    return fixed


def order_at(when, total: str, status=Order.Status.PLACED) -> Order:
    order = OrderFactory(total=Decimal(total), status=status)
    Order.objects.filter(pk=order.pk).update(created_at=when)
    return order


def result_at(when, led_to_cart: bool) -> AdvisorResult:
    return AdvisorResult.objects.create(
        created_at=when, engine_version="test", answers={}, outcome={}, refer_to_clinician=False,
        led_to_cart_at=when if led_to_cart else None,
    )


def sync_run(status: str, created_ago: timedelta) -> StockSyncRun:
    run = StockSyncRun.objects.create(supplier=SupplierFactory(), status=status)
    StockSyncRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - created_ago)
    return run


@pytest.fixture
def shop_activity(period):
    now = timezone.now()
    order_at(now, "10.00")
    order_at(now - timedelta(hours=1), "5.50", status=Order.Status.PAID)
    order_at(now - timedelta(minutes=5), "99.00", status=Order.Status.CANCELLED)   # counted, no revenue
    order_at(now - timedelta(days=1), "20.00", status=Order.Status.SHIPPED)
    order_at(now - timedelta(days=5), "1000.00")                                   # last week
    ProductFactory(stock=50)                                                       # plenty
    ProductFactory(stock=3)                                                        # low
    ProductFactory(stock=0)                                                        # out
    oversold = ProductFactory(stock=2)
    Stock.objects.filter(product=oversold).update(allocated=5)
    sync_run(StockSyncRun.Status.FAILED, timedelta(hours=1))
    sync_run(StockSyncRun.Status.FAILED, timedelta(days=6))                         # before this week
    sync_run(StockSyncRun.Status.RUNNING, timedelta(hours=2))                       # stuck
    sync_run(StockSyncRun.Status.QUEUED, timedelta(minutes=45))                     # stuck
    sync_run(StockSyncRun.Status.RUNNING, timedelta(minutes=2))                     # working
    sync_run(StockSyncRun.Status.SUCCEEDED, timedelta(hours=3))
    result_at(now, led_to_cart=True)
    result_at(now - timedelta(days=1), led_to_cart=True)
    result_at(now - timedelta(days=2), led_to_cart=False)
    result_at(now - timedelta(days=2), led_to_cart=False)
    result_at(now - timedelta(days=9), led_to_cart=True)                           # last week


def test_the_figures_count_today_and_this_week(shop_activity):
    figures = dashboard_figures()

    assert (figures.orders.orders_today, figures.orders.orders_week) == (3, 4)
    assert figures.orders.revenue_today == Decimal("15.50")
    assert figures.orders.revenue_week == Decimal("35.50")
    assert (figures.stock.low, figures.stock.out, figures.stock.oversold) == (1, 1, 1)
    assert (figures.syncs.failed_week, figures.syncs.stuck) == (1, 2)
    assert (figures.quizzes.quizzes_today, figures.quizzes.quizzes_week) == (1, 4)
    assert figures.quizzes.led_to_cart_week == 2
    assert figures.quizzes.cart_share_week == 50


def test_an_empty_shop_has_zeros_and_no_share(period):
    figures = dashboard_figures()
    assert figures.orders.revenue_week == Decimal("0.00")
    assert figures.quizzes.cart_share_week is None


def test_the_links_open_changelists_that_list_what_was_counted(client, shop_activity):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "unused-pass-1"))
    figures = dashboard_figures()
    expected = {
        figures.orders.today_url: 3,
        figures.orders.week_url: 4,
        figures.stock.low_url: 1,
        figures.stock.out_url: 1,
        figures.stock.oversold_url: 1,
        figures.syncs.failed_url: 1,
        figures.syncs.stuck_url: 2,
        figures.quizzes.week_url: 4,
    }
    for url, count in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["cl"].result_count == count, url


def test_the_admin_index_opens_on_the_dashboard_with_the_shop_first(client, shop_activity):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "unused-pass-1"))
    response = client.get(ADMIN_INDEX)
    html = response.content.decode()

    assert response.status_code == 200
    for section in ("dashboard-orders", "dashboard-stock", "dashboard-syncs", "dashboard-quizzes"):
        assert f'id="{section}"' in html
    assert "15.50 USD" in html and "35.50 USD" in html
    assert "50 % led to a cart" in html
    assert 'href="/admin/shop/product/?stock_state=oversold"' in html
    app_list = response.context["app_list"]
    assert [app["app_label"] for app in app_list][:4] == ["shop", "stock_sync", "advisor", "accounts"]
    other_names = [app["name"].lower() for app in app_list[4:]]
    assert other_names == sorted(other_names)
    assert html.index("staff-dashboard") < html.index('class="app-shop')


def test_staff_without_order_permission_see_no_order_figures(client, shop_activity):
    client.force_login(StaffUserFactory(permissions=["shop.view_product"]))
    html = client.get(ADMIN_INDEX).content.decode()

    assert 'id="dashboard-stock"' in html
    assert 'id="dashboard-orders"' not in html
    assert "USD" not in html and "15.50" not in html
    assert 'id="dashboard-syncs"' not in html and 'id="dashboard-quizzes"' not in html


def test_each_section_follows_its_own_permission(client, shop_activity):
    client.force_login(StaffUserFactory(permissions=["shop.change_order", "stock_sync.view_stocksyncrun"]))
    html = client.get(ADMIN_INDEX).content.decode()
    assert 'id="dashboard-orders"' in html and 'id="dashboard-syncs"' in html
    assert 'id="dashboard-stock"' not in html and 'id="dashboard-quizzes"' not in html


def test_staff_without_any_permission_see_no_dashboard(client, shop_activity):
    client.force_login(StaffUserFactory())
    html = client.get(ADMIN_INDEX).content.decode()
    assert "staff-dashboard" not in html


def test_customers_and_visitors_never_reach_it(client, shop_activity):
    response = client.get(ADMIN_INDEX)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(User.objects.create_user("customer", "c@example.com", "unused-pass-1"))
    assert client.get(ADMIN_INDEX).status_code == 302


def test_the_index_costs_a_few_queries_and_the_cached_figures_none(
    client, shop_activity, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(User.objects.create_superuser("boss", "boss@example.com", "unused-pass-1"))
    # Cold: the session, the user, the admin's recent actions, and one query per dashboard section.
    with django_assert_max_num_queries(7):
        assert client.get(ADMIN_INDEX).status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get(ADMIN_INDEX).status_code == 200
    with django_assert_num_queries(0):
        dashboard_figures()


def test_more_data_costs_no_more_queries(client, shop_activity, django_assert_max_num_queries):
    for _ in range(20):
        ProductFactory(stock=1)
        order_at(timezone.now(), "1.00")
        sync_run(StockSyncRun.Status.FAILED, timedelta(minutes=1))
    with django_assert_max_num_queries(4):
        dashboard_figures()


def test_figures_are_cached_for_a_short_while(shop_activity):
    assert selectors.CACHE_SECONDS <= 60
    before = dashboard_figures()
    order_at(timezone.now(), "1.00")
    assert dashboard_figures().orders.orders_today == before.orders.orders_today

