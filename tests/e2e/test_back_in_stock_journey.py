"""A guest waits for an out-of-stock product in a real browser: "Email me when it is back" → the
confirmation email's link → confirm → a stock sync raises the product from 0 → one email in the
outbox, whose unsubscribe link works. Every page passes axe-core with no CSP violation, and is saved
at desktop and phone widths."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from config.celery import app
from reminders.models import BackInStockRequest, EmailSuppression
from tests.e2e.helpers import check_and_shoot, shoot_both_sizes, watch_csp_at_desktop
from tests.factories import ProductFactory, SupplierFactory, SupplierProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

GUEST = "waiting.guest@example.com"


@pytest.fixture
def tasks_run_inline():
    """The task the shop's signal queues runs in the process that sent it (no worker in this test;
    tests/reminders/test_worker.py covers the real one)."""
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False



def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_guest_notify_confirm_sync_and_the_email_arrives(
    live_server, page, screenshot_dir, settings, tmp_path, tasks_run_inline
):
    settings.SHOP_BASE_URL = live_server.url
    settings.STOCK_SYNC_ALLOW_LOCAL_FILES = True
    product = ProductFactory(
        name="MK-4 Tablets 1500 mcg", slug="mk4-tablets", brand="Kaylab", doses={"k2-mk4": 1500},
        price=Decimal("27.00"), stock=0, sku="MK4-1500",
    )
    supplier = SupplierFactory(slug="demo")
    SupplierProductFactory(supplier=supplier, product=product, supplier_sku="MK4-1500")
    watch_csp_at_desktop(page)

    page.goto(live_server.url + product.get_absolute_url())
    box = page.locator("form.back-in-stock")
    assert box.get_by_role("heading", name="Email me when it is back").is_visible()
    check_and_shoot(page, screenshot_dir, "back-in-stock-01-product-out-of-stock")

    box.get_by_label("Your email").fill(GUEST)
    box.get_by_role("button", name="Email me when it is back").click()
    page.wait_for_url(f"**{product.get_absolute_url()}")
    assert page.get_by_text("we sent it a link").is_visible()
    check_and_shoot(page, screenshot_dir, "back-in-stock-02-asked")

    confirmation = mail.outbox[-1]
    assert confirmation.to == [GUEST]
    link = next(u for u in re.findall(r"https?://\S+", confirmation.body) if "/back-in-stock/confirm/" in u)
    page.goto(link)
    check_and_shoot(page, screenshot_dir, "back-in-stock-03-confirm")
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("heading", name="Confirmed").is_visible()
    check_and_shoot(page, screenshot_dir, "back-in-stock-04-confirmed")
    assert BackInStockRequest.objects.get().status == BackInStockRequest.Status.CONFIRMED

    feed = tmp_path / "feed.csv"
    feed.write_text("sku,quantity\nMK4-1500,25\n")
    call_command("sync_stock", "--supplier", "demo", "--file", str(feed))

    [back] = [m for m in mail.outbox if m.subject == "MK-4 Tablets 1500 mcg is back in stock"]
    assert back.to == [GUEST]
    assert f"{live_server.url}/products/mk4-tablets/" in back.body
    assert BackInStockRequest.objects.get().status == BackInStockRequest.Status.NOTIFIED
    html, _ = back.alternatives[0]
    page.set_content(html)
    shoot_both_sizes(page, screenshot_dir, "back-in-stock-05-email")

    page.goto(live_server.url + product.get_absolute_url())
    assert page.locator("form.back-in-stock").count() == 0
    assert page.get_by_role("button", name="Add to cart").is_enabled()

    unsubscribe = re.fullmatch(r"<(.+)>", back.extra_headers["List-Unsubscribe"]).group(1)
    page.goto(unsubscribe)
    check_and_shoot(page, screenshot_dir, "back-in-stock-06-unsubscribe")
    page.get_by_role("button", name="Unsubscribe").click()
    assert page.get_by_role("heading", name="You are unsubscribed").is_visible()
    check_and_shoot(page, screenshot_dir, "back-in-stock-07-unsubscribed")
    assert EmailSuppression.objects.filter(email=GUEST, list_name="back_in_stock").exists()

    page.goto(live_server.url + "/u/tampered-token/")
    assert page.get_by_role("heading", name="This link does not work").is_visible()
    check_and_shoot(page, screenshot_dir, "back-in-stock-08-link-invalid")
