"""Development email goes to one file per message with one log line; the demo customer."""
from __future__ import annotations

import logging
from datetime import timedelta
from email import message_from_bytes

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.demo_customer import DEMO_CUSTOMER_EMAIL, DEMO_CUSTOMER_PASSWORD, load_demo_customer
from accounts.models import EmailPreferences
from reminders.refill import refills_of
from shop.models import Order
from subscriptions.models import Subscription
from tests.accounts.helpers import link_in_last_email
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_dev_email_backend_writes_one_file_per_message_and_logs_one_line_without_recipients(
    settings, tmp_path, caplog
):
    settings.EMAIL_BACKEND = "config.mail.FileEmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    messages = [
        mail.EmailMultiAlternatives(f"Order VS-00000{n}", f"body {n}", to=[f"private{n}@example.com"])
        for n in (1, 2)
    ]

    with caplog.at_level(logging.INFO, logger="config.mail"):
        sent = mail.get_connection().send_messages(messages)

    files = sorted((tmp_path / "mail").iterdir())
    assert sent == 2 and len(files) == 2
    subjects = {message_from_bytes(path.read_bytes())["Subject"] for path in files}
    assert subjects == {"Order VS-000001", "Order VS-000002"}
    lines = [record.getMessage() for record in caplog.records if record.name == "config.mail"]
    assert len(lines) == 2
    assert all(str(tmp_path) in line for line in lines)
    assert not any("private" in line for line in lines)


def test_dev_settings_write_email_to_var_mail_and_tests_keep_locmem(settings):
    from config.settings import dev

    assert dev.EMAIL_BACKEND == "config.mail.FileEmailBackend"
    assert dev.EMAIL_FILE_PATH == dev.VAR_DIR / "mail"
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


def test_no_email_address_in_the_logs_of_sign_up_verification_and_attach(client, caplog):
    OrderFactory(email="secret.person@example.com")
    with caplog.at_level(logging.DEBUG):
        client.post(
            reverse("account_signup"),
            {"email": "secret.person@example.com", "password1": "x-Long-pass-99", "password2": "x-Long-pass-99"},
        )
        client.post(link_in_last_email("/account/confirm-email/"))
        client.post(reverse("account_login"), {"login": "secret.person@example.com", "password": "wrong"})

    assert Order.objects.get().customer is not None
    assert "secret.person" not in caplog.text


def test_demo_customer_is_verified_with_an_order_history_and_idempotent(capsys):
    call_command("load_demo_catalog")
    out = capsys.readouterr().out

    assert DEMO_CUSTOMER_EMAIL in out and DEMO_CUSTOMER_PASSWORD in out
    address = EmailAddress.objects.get(email=DEMO_CUSTOMER_EMAIL)
    assert address.verified and address.primary
    orders = Order.objects.filter(customer=address.user)
    assert orders.count() == 3
    assert all(order.lines.exists() for order in orders)
    assert address.user.check_password(DEMO_CUSTOMER_PASSWORD)

    assert DEMO_CUSTOMER_PASSWORD in load_demo_customer()
    assert Order.objects.filter(customer=address.user).count() == 3


def test_demo_customer_gets_a_refill_reminder_from_send_reminders_once(capsys):
    """The demo customer opted in to refill reminders: a week before a demo purchase runs out,
    `send_reminders --as-of` that day emails them once; loading the demo again duplicates nothing."""
    call_command("load_demo_catalog")
    customer = get_user_model().objects.get(email=DEMO_CUSTOMER_EMAIL)
    assert customer.email_preferences.refill_reminders
    today = timezone.localdate()
    due_days = [today + timedelta(days=n) for n in range(400) if refills_of(customer, as_of=today + timedelta(days=n))]
    assert due_days, "no demo purchase ever comes up for a refill reminder"

    call_command("send_reminders", "--as-of", due_days[0].isoformat())
    call_command("send_reminders", "--as-of", due_days[0].isoformat())
    call_command("load_demo_catalog")

    assert [message.to for message in mail.outbox] == [[DEMO_CUSTOMER_EMAIL]]
    assert "/order-again/" in mail.outbox[0].body
    assert EmailPreferences.objects.filter(customer=customer).count() == 1
    assert Subscription.objects.filter(customer=customer).count() == 1
    assert Order.objects.filter(customer=customer).count() == 3
