"""Back in stock: the form on out-of-stock pages, double opt-in, the throttle, and one email per
confirmed address when the shop raises the product from 0 (signal after commit → task)."""
from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from accounts.models import EmailPreferences
from reminders.back_in_stock import back_in_stock_notify, back_in_stock_pending_expire
from reminders.models import BackInStockRequest, SentEmail
from shop.models import Stock
from shop.services.stock import StockLine, stock_allocate, stock_release, stock_set_on_hand
from shop.signals import stock_became_available
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db
Status = BackInStockRequest.Status


@pytest.fixture
def sold_out():
    return ProductFactory(name="Sunlit D3", slug="sunlit-d3", stock=0)


@pytest.fixture
def run_tasks_inline(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def ask(client, product, email: str | None = "guest@example.com"):
    data = {"email": email} if email is not None else {}
    return client.post(reverse("reminders:back_in_stock_request", args=[product.pk]), data, follow=True)


def link_in(message, part: str) -> str:
    url = next(u for u in re.findall(r"https?://\S+", message.body) if part in u)
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_out_of_stock_page_offers_the_form_and_an_in_stock_page_does_not(client, sold_out):
    action = reverse("reminders:back_in_stock_request", args=[sold_out.pk])
    assert action in client.get(sold_out.get_absolute_url()).content.decode()
    in_stock = ProductFactory(stock=5)
    assert "Email me when it is back" not in client.get(in_stock.get_absolute_url()).content.decode()


def test_a_guest_confirms_by_the_emailed_link_before_anything_else(client, sold_out):
    response = ask(client, sold_out, "Guest@Example.com")
    assert "we sent it a link" in response.content.decode()
    waiting = BackInStockRequest.objects.get()
    assert (waiting.status, waiting.email, waiting.customer) == (Status.PENDING, "guest@example.com", None)
    assert len(mail.outbox) == 1
    confirmation = mail.outbox[0]
    assert "List-Unsubscribe" not in confirmation.extra_headers  # transactional
    path = link_in(confirmation, "/back-in-stock/confirm/")

    page = client.get(path)
    assert page.status_code == 200 and b"Confirm" in page.content
    assert BackInStockRequest.objects.get().status == Status.PENDING  # a GET (a mail scanner) confirms nothing
    assert client.post(path).status_code == 200
    assert BackInStockRequest.objects.get().status == Status.CONFIRMED


def test_asking_twice_sends_one_confirmation_and_says_the_same(client, sold_out):
    first = ask(client, sold_out).content.decode()
    second = ask(client, sold_out).content.decode()
    assert BackInStockRequest.objects.count() == 1 and len(mail.outbox) == 1
    assert "we sent it a link" in first and "we sent it a link" in second


def test_a_logged_in_verified_customer_is_confirmed_directly(client, sold_out):
    customer = CustomerFactory(email="cara@example.com")
    client.force_login(customer)
    page = client.get(sold_out.get_absolute_url()).content.decode()
    assert "cara@example.com" in page and 'name="email"' not in page.split("back-in-stock")[1]
    response = ask(client, sold_out, email=None)
    assert "We will email cara@example.com once" in response.content.decode()
    waiting = BackInStockRequest.objects.get()
    assert (waiting.status, waiting.customer) == (Status.CONFIRMED, customer)
    assert mail.outbox == []
    assert EmailPreferences.objects.get(customer=customer).back_in_stock is True


def test_an_unverified_customer_gets_the_double_opt_in(client, sold_out):
    client.force_login(CustomerFactory(email="new@example.com", verified=False))
    ask(client, sold_out, email="new@example.com")
    assert BackInStockRequest.objects.get().status == Status.PENDING
    assert len(mail.outbox) == 1


def test_bad_input_is_a_400_page_and_unknown_products_a_404(client, sold_out):
    response = client.post(reverse("reminders:back_in_stock_request", args=[sold_out.pk]), {"email": "nope"})
    assert response.status_code == 400 and b"Enter a valid email address" in response.content
    unknown = reverse("reminders:back_in_stock_request", args=[999999])
    assert client.post(unknown, {"email": "a@b.co"}).status_code == 404
    assert client.get(reverse("reminders:back_in_stock_request", args=[sold_out.pk])).status_code == 405
    assert not BackInStockRequest.objects.exists()


def test_guests_are_throttled_per_client(client, sold_out, settings):
    settings.FORM_RATE_LIMITS = {**settings.FORM_RATE_LIMITS, "back_in_stock": "3/hour"}
    for number in range(3):
        assert ask(client, sold_out, f"guest{number}@example.com").status_code == 200
    over = client.post(reverse("reminders:back_in_stock_request", args=[sold_out.pk]), {"email": "x@example.com"})
    assert over.status_code == 429
    assert BackInStockRequest.objects.count() == 3 and len(mail.outbox) == 3


def test_open_requests_per_address_are_bounded(client, settings, monkeypatch):
    from reminders import back_in_stock

    monkeypatch.setattr(back_in_stock, "MAX_OPEN_PER_ADDRESS", 2)
    for _ in range(3):
        ask(client, ProductFactory(stock=0))
    assert BackInStockRequest.objects.count() == 2


def test_a_tampered_or_expired_confirmation_link_gets_a_clear_page(client, sold_out):
    import time
    from unittest import mock

    with mock.patch("django.core.signing.time.time", return_value=time.time() - 8 * 24 * 3600):
        ask(client, sold_out)
    path = link_in(mail.outbox[0], "/back-in-stock/confirm/")
    expired = client.post(path)
    assert expired.status_code == 400 and b"This link has expired" in expired.content
    tampered = client.post(path.replace("/confirm/", "/confirm/x"))
    assert tampered.status_code == 400 and b"This link does not work" in tampered.content
    assert BackInStockRequest.objects.get().status == Status.PENDING


def test_unconfirmed_requests_are_dropped_after_a_week(sold_out):
    from datetime import timedelta

    from django.utils import timezone

    BackInStockRequest.objects.create(product=sold_out, email="a@example.com")
    assert back_in_stock_pending_expire(now=timezone.now() + timedelta(days=6)) == 0
    assert back_in_stock_pending_expire(now=timezone.now() + timedelta(days=8)) == 1


def confirmed(product, email: str) -> BackInStockRequest:
    return BackInStockRequest.objects.create(product=product, email=email, status=Status.CONFIRMED)


def test_each_confirmed_address_gets_one_email_then_the_request_is_closed(sold_out):
    confirmed(sold_out, "a@example.com")
    confirmed(sold_out, "b@example.com")
    BackInStockRequest.objects.create(product=sold_out, email="pending@example.com")  # never confirmed
    assert back_in_stock_notify([sold_out.pk]) == 0  # still out of stock: nothing
    Stock.objects.filter(product=sold_out).update(on_hand=4)

    assert back_in_stock_notify([sold_out.pk]) == 2
    assert back_in_stock_notify([sold_out.pk]) == 0  # once and only once
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "b@example.com"]
    message = mail.outbox[0]
    assert message.subject == "Sunlit D3 is back in stock"
    assert "/products/sunlit-d3/" in message.body and message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert set(BackInStockRequest.objects.values_list("status", flat=True)) == {Status.NOTIFIED, Status.PENDING}


def test_an_address_that_unsubscribed_gets_nothing_and_its_requests_close(client, sold_out):
    confirmed(sold_out, "a@example.com")
    other = ProductFactory(stock=0)
    confirmed(other, "a@example.com")
    Stock.objects.filter(product=sold_out).update(on_hand=4)
    back_in_stock_notify([sold_out.pk])
    unsubscribe = re.sub(r"^<https?://[^/]+|>$", "", mail.outbox[0].extra_headers["List-Unsubscribe"])
    client.post(unsubscribe)
    assert BackInStockRequest.objects.get(product=other).status == Status.CANCELLED
    Stock.objects.filter(product=other).update(on_hand=4)
    assert back_in_stock_notify([other.pk]) == 0


class Received:
    def __init__(self):
        self.calls: list[list[int]] = []

    def __call__(self, sender, product_ids, **kwargs):
        self.calls.append(product_ids)


@pytest.fixture
def received():
    receiver = Received()
    stock_became_available.connect(receiver, dispatch_uid="test-receiver")
    yield receiver
    stock_became_available.disconnect(dispatch_uid="test-receiver")


def test_the_shop_announces_a_rise_from_zero_after_commit_only(received, django_capture_on_commit_callbacks):
    empty = ProductFactory(stock=0)
    oversold = ProductFactory(stock=2)
    Stock.objects.filter(product=oversold).update(allocated=5)
    stocked = ProductFactory(stock=3)
    no_row = ProductFactory()
    Stock.objects.filter(product=no_row).delete()

    with django_capture_on_commit_callbacks(execute=True):
        stock_set_on_hand({empty.pk: 5, oversold.pk: 4, stocked.pk: 9, no_row.pk: 1})
    assert received.calls == [sorted([empty.pk, no_row.pk])]  # oversold is still at 0; stocked was above 0

    with django_capture_on_commit_callbacks(execute=True):
        stock_set_on_hand({oversold.pk: 6})
    assert received.calls[-1] == [oversold.pk]


def test_nothing_is_announced_when_the_write_is_rolled_back(received):
    empty = ProductFactory(stock=0)
    with pytest.raises(RuntimeError), transaction.atomic():
        stock_set_on_hand({empty.pk: 5})
        raise RuntimeError("the sync failed later")
    assert received.calls == []


def test_a_release_that_frees_the_last_units_announces_it(received, django_capture_on_commit_callbacks):
    product = ProductFactory(stock=2)
    stock_allocate([StockLine(product.pk, 2)])
    with django_capture_on_commit_callbacks(execute=True):
        stock_release([StockLine(product.pk, 1)])
    assert received.calls == [[product.pk]]
    with django_capture_on_commit_callbacks(execute=True):
        stock_release([StockLine(product.pk, 1)])  # 1 → 2 available: not from 0
    assert received.calls == [[product.pk]]


def test_a_staff_stock_edit_in_the_admin_announces_it(client, received, django_capture_on_commit_callbacks):
    from tests.factories import StaffUserFactory
    from tests.shop.test_admin import _product_form_data

    product = ProductFactory(stock=0, sku="KEEP", slug="keep", name="Keep", doses={"d3": 25})
    client.force_login(StaffUserFactory(is_superuser=True))
    url = reverse("admin:shop_product_change", args=[product.pk])
    data = _product_form_data(client.get(url), name="Keep", slug="keep", sku="KEEP", price="12.00")
    amount = product.nutrient_amounts.get()
    data.update({
        "nutrient_amounts-0-nutrient": str(amount.nutrient_id), "nutrient_amounts-0-amount_mcg": "25",
        "nutrient_amounts-0-product": str(product.pk), "stock-0-on_hand": "7", "stock-0-product": str(product.pk),
    })
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Stock.objects.get(product=product).on_hand == 7
    assert received.calls == [[product.pk]]


def test_the_signal_queues_the_emails(run_tasks_inline, sold_out, django_capture_on_commit_callbacks):
    confirmed(sold_out, "a@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        stock_set_on_hand({sold_out.pk: 3})
    assert [m.to for m in mail.outbox] == [["a@example.com"]]
    assert SentEmail.objects.filter(kind="back_in_stock").count() == 1


def test_confirming_after_the_product_came_back_sends_at_once(
    client, run_tasks_inline, sold_out, django_capture_on_commit_callbacks
):
    ask(client, sold_out)
    path = link_in(mail.outbox[0], "/back-in-stock/confirm/")
    Stock.objects.filter(product=sold_out).update(on_hand=2)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(path)
    assert [m.subject for m in mail.outbox][-1] == "Sunlit D3 is back in stock"
    assert BackInStockRequest.objects.get().status == Status.NOTIFIED


def test_deleting_the_account_forgets_its_requests_and_sent_emails(client, sold_out):
    from tests.factories import CUSTOMER_PASSWORD

    customer = CustomerFactory(email="cara@example.com")
    client.force_login(customer)
    ask(client, sold_out, email=None)
    Stock.objects.filter(product=sold_out).update(on_hand=3)
    back_in_stock_notify([sold_out.pk])
    ask(client, ProductFactory(stock=0), email=None)
    assert BackInStockRequest.objects.count() == 2 and SentEmail.objects.count() == 1

    client.post(reverse("accounts:delete"), {"password": CUSTOMER_PASSWORD})
    assert not BackInStockRequest.objects.exists()
    assert not SentEmail.objects.exists()


def test_a_failing_receiver_never_fails_the_stock_write(django_capture_on_commit_callbacks, caplog):
    def broken(sender, **kwargs):
        raise ConnectionError("broker down")

    stock_became_available.connect(broken, dispatch_uid="test-broken")
    try:
        empty = ProductFactory(stock=0)
        with django_capture_on_commit_callbacks(execute=True):
            stock_set_on_hand({empty.pk: 5})
    finally:
        stock_became_available.disconnect(dispatch_uid="test-broken")
    assert Stock.objects.get(product=empty).on_hand == 5


def test_the_daily_job_catches_up_a_rise_whose_signal_was_lost(sold_out):
    from reminders.tasks import reminders_run

    confirmed(sold_out, "a@example.com")
    Stock.objects.filter(product=sold_out).update(on_hand=3)  # no signal: as if the broker was down
    assert reminders_run(date.today())["back_in_stock_emails_caught_up"] == 1
    assert reminders_run(date.today())["back_in_stock_emails_caught_up"] == 0
