"""The email mechanism (reminders.services): once per (kind, key), both parts, RFC 8058 headers,
suppression, and the unsubscribe link (valid, one-click POST, tampered, expired)."""
from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.core import mail

from accounts.models import EmailPreferences
from reminders.models import EmailSuppression, SentEmail
from reminders.services import email_send_once, email_unsubscribed
from tests.concurrency import run_at_once
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TEMPLATE = "reminders/email/back_in_stock"


def send(key: str = "1", to: str = "Reader@Example.com", list_name: str | None = "back_in_stock") -> bool:
    from tests.factories import ProductFactory

    product = ProductFactory.build(name="Sunny D3", slug="sunny-d3")
    return email_send_once(
        kind="test", key=key, to=to, subject="Sunny D3 is back", template=TEMPLATE,
        context={"product": product, "product_url": "https://shop.example/products/sunny-d3/"},
        list_name=list_name,
    )


def unsubscribe_path(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    url = re.fullmatch(r"<(https?://[^>]+)>", header).group(1)
    return re.sub(r"^https?://[^/]+", "", url)


def test_an_email_is_sent_once_per_kind_and_key_with_both_parts_and_one_click_headers():
    assert send() is True
    assert send() is False  # the same kind and key again: nothing
    assert send(key="2") is True
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.to == ["reader@example.com"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = unsubscribe_path(message)
    assert path.startswith("/u/")
    assert "reader" not in path.lower()  # the link names a row, never the address
    assert f"http://testserver{path}" in message.body or path in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Unsubscribe</a>" in html and "Sunny D3" in html
    record = SentEmail.objects.get(kind="test", key="1")
    assert record.sent_at is not None


def test_a_transactional_email_has_no_unsubscribe_header():
    assert send(list_name=None)
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers


def test_a_failing_backend_leaves_nothing_claimed_so_a_retry_sends(settings):
    failing = mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("smtp down"))
    with failing, pytest.raises(OSError):
        send()
    assert not SentEmail.objects.exists()
    assert send() is True


def test_no_email_to_an_address_that_left_the_list():
    EmailSuppression.objects.create(email="reader@example.com", list_name="back_in_stock")
    assert send() is False
    assert mail.outbox == []


def test_logs_hold_no_address(caplog):
    caplog.set_level("DEBUG")
    send()
    assert "reader" not in caplog.text.lower()


def test_unsubscribe_get_asks_and_post_unsubscribes_and_flips_the_preference(client):
    customer = CustomerFactory(email="reader@example.com")
    EmailPreferences.objects.create(customer=customer, back_in_stock=True, refill_reminders=True)
    send()
    path = unsubscribe_path(mail.outbox[0])

    page = client.get(path)
    assert page.status_code == 200
    assert b"Unsubscribe from back-in-stock emails?" in page.content
    assert not email_unsubscribed("reader@example.com", "back_in_stock")  # a GET changes nothing
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]

    done = client.post(path)
    assert done.status_code == 200
    assert b"You are unsubscribed" in done.content
    assert email_unsubscribed("reader@example.com", "back_in_stock")
    preferences = EmailPreferences.objects.get(customer=customer)
    assert preferences.back_in_stock is False
    assert preferences.refill_reminders is True  # only the list the email belonged to


def test_one_click_post_from_a_mail_client_works_without_csrf_token():
    from django.test import Client

    send()
    path = unsubscribe_path(mail.outbox[0])
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert email_unsubscribed("reader@example.com", "back_in_stock")
    assert mail_client.post(path).status_code == 200  # twice is fine


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_unsubscribe_link_gets_a_clear_page_and_changes_nothing(client, method):
    send()
    path = unsubscribe_path(mail.outbox[0])
    token = path.split("/")[2]
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense", token.replace(":", "", 1)):
        response = getattr(client, method)(f"/u/{bad}/")
        assert response.status_code == 400
        assert b"This link does not work" in response.content
    assert not EmailSuppression.objects.exists()


def test_an_expired_unsubscribe_link_says_so(client):
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 400 * 24 * 3600):
        send()
    response = client.post(unsubscribe_path(mail.outbox[0]))
    assert response.status_code == 400
    assert b"This link has expired" in response.content
    assert not EmailSuppression.objects.exists()


def test_a_token_made_for_another_purpose_is_refused(client):
    from reminders.tokens import REORDER, token_make

    send()
    record = SentEmail.objects.get()
    response = client.post(f"/u/{token_make(REORDER, record.pk)}/")
    assert response.status_code == 400
    assert not EmailSuppression.objects.exists()


def test_turning_a_list_on_again_in_preferences_lifts_the_unsubscribe(client):
    customer = CustomerFactory(email="reader@example.com")
    client.force_login(customer)
    client.post("/account/preferences/", {"refill_reminders": "on"})
    assert email_unsubscribed("reader@example.com", "back_in_stock")
    assert not email_unsubscribed("reader@example.com", "refill")
    client.post("/account/preferences/", {"back_in_stock": "on"})
    assert not email_unsubscribed("reader@example.com", "back_in_stock")
    assert email_unsubscribed("reader@example.com", "refill")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_send_one_email():
    results = run_at_once([lambda: send(key="race")] * 2)
    assert sorted(results) == [False, True]
    assert len(mail.outbox) == 1
    assert SentEmail.objects.filter(kind="test", key="race").count() == 1


def test_old_records_are_pruned_after_links_and_reruns_no_longer_need_them():
    from datetime import timedelta

    from django.utils import timezone

    from reminders.services import sent_emails_prune

    send(key="listed")
    send(key="transactional", list_name=None)
    assert sent_emails_prune(now=timezone.now() + timedelta(days=29)) == 0
    assert sent_emails_prune(now=timezone.now() + timedelta(days=31)) == 1  # the confirmation-like one
    assert sent_emails_prune(now=timezone.now() + timedelta(days=366)) == 0  # its unsubscribe link still works
    assert sent_emails_prune(now=timezone.now() + timedelta(days=401)) == 1
