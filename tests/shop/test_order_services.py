"""Order placement and the status flow, with the stock each step holds, releases or consumes."""
from __future__ import annotations

import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives

from shop.models import Order, OrderLine, Stock
from shop.payments import InvoicePayment, PaymentResult, get_payment_provider
from shop.services.orders import (
    EmptyOrder,
    InsufficientStock,
    InvalidOrderTransition,
    OrderError,
    OrderRequestLine,
    PriceChanged,
    ProductUnavailable,
    ShippingDetails,
    order_cancel,
    order_mark_paid,
    order_place,
    order_ship,
)
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

SHIPPING = ShippingDetails(
    email="ada@example.com",
    full_name="Ada Lovelace",
    address_line1="12 Analytical Row",
    city="London",
    postal_code="N1 7AA",
    country="gb",
)


def line(product, quantity=1, price=None) -> OrderRequestLine:
    return OrderRequestLine(product_id=product.pk, quantity=quantity, expected_unit_price=price or product.price)


def stock_of(product) -> tuple[int, int]:
    stock = Stock.objects.get(product=product)
    return stock.on_hand, stock.allocated


def place(*lines: OrderRequestLine) -> Order:
    return order_place(lines=list(lines), shipping=SHIPPING)


def assert_nothing_written(*products) -> None:
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0
    for product in products:
        assert Stock.objects.get(product=product).allocated == 0


# --- placing ----------------------------------------------------------------------------------


def test_place_creates_order_lines_total_and_allocates():
    d3 = ProductFactory(stock=10, price=Decimal("12.50"), name="D3 1000 IU")
    k2 = ProductFactory(stock=5, price=Decimal("19.99"), name="K2 MK-7")
    order = place(line(d3, 2), line(k2, 1))

    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert order.total == Decimal("44.99")
    assert order.currency == "USD"
    assert order.payment_method == "invoice"
    assert order.country == "GB"
    assert order.email == "ada@example.com"
    assert [(ol.product_id, ol.product_name, ol.sku, ol.unit_price, ol.quantity) for ol in order.lines.all()] == [
        (d3.pk, "D3 1000 IU", d3.sku, Decimal("12.50"), 2),
        (k2.pk, "K2 MK-7", k2.sku, Decimal("19.99"), 1),
    ]
    assert sum(ol.line_total for ol in order.lines.all()) == order.total
    assert stock_of(d3) == (10, 2)
    assert stock_of(k2) == (5, 1)


def test_place_adds_up_a_product_given_twice():
    product = ProductFactory(stock=10, price=Decimal("10.00"))
    order = place(line(product, 2), line(product, 3))
    assert list(order.lines.values_list("quantity", flat=True)) == [5]
    assert order.total == Decimal("50.00")
    assert stock_of(product) == (10, 5)


def test_empty_order_is_refused():
    with pytest.raises(EmptyOrder):
        place()
    assert Order.objects.count() == 0


def test_price_changed_is_refused_and_nothing_written():
    product = ProductFactory(stock=10, price=Decimal("14.00"), name="D3 drops")
    with pytest.raises(PriceChanged) as excinfo:
        place(line(product, 1, price=Decimal("12.00")))
    [change] = excinfo.value.changes
    assert (change.product_id, change.expected, change.current) == (product.pk, Decimal("12.00"), Decimal("14.00"))
    assert "D3 drops" in str(excinfo.value)
    assert_nothing_written(product)


def test_inactive_product_is_refused_and_nothing_written():
    active = ProductFactory(stock=10)
    inactive = ProductFactory(stock=10, is_active=False, name="Retired softgels")
    with pytest.raises(ProductUnavailable) as excinfo:
        place(line(active), line(inactive))
    assert excinfo.value.product_ids == [inactive.pk]
    assert "Retired softgels" in str(excinfo.value)
    assert_nothing_written(active, inactive)


def test_deleted_product_is_refused():
    product = ProductFactory(stock=10)
    with pytest.raises(ProductUnavailable) as excinfo:
        order_place(lines=[OrderRequestLine(999_999, 1, Decimal("1.00")), line(product)], shipping=SHIPPING)
    assert excinfo.value.product_ids == [999_999]
    assert_nothing_written(product)


def test_insufficient_stock_is_refused_with_every_short_line_and_nothing_written():
    fine = ProductFactory(stock=10)
    short = ProductFactory(stock=1, name="Last one")
    with pytest.raises(InsufficientStock) as excinfo:
        place(line(fine, 2), line(short, 3))
    assert [(s.product_id, s.requested, s.available) for s in excinfo.value.shortages] == [(short.pk, 3, 1)]
    assert str(excinfo.value) == "Only 1 left of Last one."
    assert_nothing_written(fine, short)


def test_bad_shipping_details_are_refused_and_nothing_written():
    product = ProductFactory(stock=10)
    bad = ShippingDetails(
        email="not-an-email", full_name="X", address_line1="1 St", city="C", postal_code="1", country="GB"
    )
    with pytest.raises(ValidationError) as excinfo:
        order_place(lines=[line(product)], shipping=bad)
    assert "email" in excinfo.value.message_dict
    assert_nothing_written(product)


def test_every_order_error_is_an_order_error():
    for error in (EmptyOrder, InsufficientStock, PriceChanged, ProductUnavailable, InvalidOrderTransition):
        assert issubclass(error, OrderError)


def test_provider_that_reports_paid_marks_the_order_paid():
    class PaidAtOnce:
        code = "test-card"
        label = "Test card"

        def start_payment(self, order):
            return PaymentResult(paid=True, instructions="Nothing to do.")

        def instructions(self, order):
            return "Nothing to do."

    product = ProductFactory(stock=3)
    order = order_place(lines=[line(product)], shipping=SHIPPING, payment=PaidAtOnce())
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.paid_at is not None
    assert order.payment_method == "test-card"


def test_invoice_payment_leaves_order_placed_with_instructions():
    product = ProductFactory(stock=3, price=Decimal("9.00"))
    order = place(line(product))
    provider = get_payment_provider()
    assert isinstance(provider, InvoicePayment)
    result = provider.start_payment(order)
    assert result.paid is False
    assert order.number in result.instructions
    assert "9.00 USD" in result.instructions


def test_payment_provider_comes_from_settings(settings):
    settings.SHOP_PAYMENT_PROVIDER = "shop.payments.InvoicePayment"
    assert get_payment_provider().label == "Pay by invoice"


# --- confirmation email -----------------------------------------------------------------------


def test_confirmation_email_is_sent_only_on_commit(django_capture_on_commit_callbacks, settings):
    settings.SHOP_BASE_URL = "https://shop.example"
    product = ProductFactory(stock=10, price=Decimal("12.50"), name="D3 1000 IU")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order = place(line(product, 2))
    assert callbacks          # the email, and on PostgreSQL the stock's catalog-version move
    assert mail.outbox == []

    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert order.number in message.subject
    confirmation_url = f"https://shop.example{order.get_absolute_url()}"
    html = message.alternatives[0][0]
    for body in (message.body, html):
        assert order.number in body
        assert "D3 1000 IU" in body
        assert "25.00" in body
        assert "invoice" in body
        assert confirmation_url in body


def test_mail_server_failure_does_not_undo_or_break_the_order(django_capture_on_commit_callbacks, monkeypatch):
    def refuse(self, fail_silently=False):
        raise smtplib.SMTPException("mail server down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    product = ProductFactory(stock=10)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = place(line(product, 1))
    assert callbacks          # the email was attempted
    assert Order.objects.filter(pk=order.pk).exists()
    assert stock_of(product) == (10, 1)


def test_no_email_when_placing_fails(django_capture_on_commit_callbacks):
    product = ProductFactory(stock=0)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(InsufficientStock):
        place(line(product))
    assert callbacks == []
    assert mail.outbox == []


# --- status flow ------------------------------------------------------------------------------


@pytest.fixture
def placed():
    product = ProductFactory(stock=10)
    return place(line(product, 3)), product


def test_mark_paid(placed):
    order, product = placed
    paid = order_mark_paid(order=order)
    assert paid.status == Order.Status.PAID
    assert paid.paid_at is not None
    assert stock_of(product) == (10, 3)


@pytest.mark.parametrize("pay_first", [False, True], ids=["from-placed", "from-paid"])
def test_ship_consumes_allocation(placed, pay_first):
    order, product = placed
    if pay_first:
        order = order_mark_paid(order=order)
    shipped = order_ship(order=order)
    assert shipped.status == Order.Status.SHIPPED
    assert shipped.shipped_at is not None
    assert stock_of(product) == (7, 0)


@pytest.mark.parametrize("pay_first", [False, True], ids=["from-placed", "from-paid"])
def test_cancel_releases_allocation(placed, pay_first):
    order, product = placed
    if pay_first:
        order = order_mark_paid(order=order)
    cancelled = order_cancel(order=order)
    assert cancelled.status == Order.Status.CANCELLED
    assert cancelled.cancelled_at is not None
    assert stock_of(product) == (10, 0)


@pytest.mark.parametrize(
    ("reach", "transition", "message"),
    [
        (["pay"], "pay", "is paid and cannot be marked as paid"),
        (["ship"], "pay", "is shipped and cannot be marked as paid"),
        (["ship"], "ship", "is shipped and cannot be shipped"),
        (["ship"], "cancel", "is shipped and cannot be cancelled"),
        (["cancel"], "pay", "is cancelled and cannot be marked as paid"),
        (["cancel"], "ship", "is cancelled and cannot be shipped"),
        (["cancel"], "cancel", "is cancelled and cannot be cancelled"),
        (["pay", "ship"], "cancel", "is shipped and cannot be cancelled"),
    ],
)
def test_invalid_transitions_are_refused_and_stock_unchanged(placed, reach, transition, message):
    services = {"pay": order_mark_paid, "ship": order_ship, "cancel": order_cancel}
    order, product = placed
    for step in reach:
        order = services[step](order=order)
    stock_before = stock_of(product)
    status_before = order.status
    with pytest.raises(InvalidOrderTransition, match=message):
        services[transition](order=order)
    order.refresh_from_db()
    assert order.status == status_before
    assert stock_of(product) == stock_before


def test_stale_instance_cannot_cancel_twice(placed):
    # A double click: both requests hold an instance loaded while the order was still placed.
    order, product = placed
    stale = Order.objects.get(pk=order.pk)
    order_cancel(order=order)
    with pytest.raises(InvalidOrderTransition):
        order_cancel(order=stale)
    assert stock_of(product) == (10, 0)


def test_cancelling_returns_units_for_the_next_shopper():
    product = ProductFactory(stock=2)
    first = place(line(product, 2))
    with pytest.raises(InsufficientStock):
        place(line(product, 1))
    order_cancel(order=first)
    second = place(line(product, 2))
    assert second.lines.get().quantity == 2
    assert stock_of(product) == (2, 2)
