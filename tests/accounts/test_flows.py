"""Sign-up, verification, login, password reset and change of email, through allauth's pages."""
from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.accounts.helpers import link_in_last_email
from tests.factories import CUSTOMER_PASSWORD, CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-password-2026"  # noqa: S105 (test data)


SIGN_UP_PASSWORD = "sunny-vitamins-2026"  # noqa: S105 (test data)


def sign_up(client, email="new@example.com", password=SIGN_UP_PASSWORD):
    return client.post(reverse("account_signup"), {"email": email, "password1": password, "password2": password})


def confirm_from_email(client):
    url = link_in_last_email("/account/confirm-email/")
    assert client.get(url).status_code == 200  # the page with the "Confirm" button (no change on GET)
    return client.post(url)


def test_sign_up_verify_from_the_email_then_log_in(client):
    response = sign_up(client)

    assert response.status_code == 302 and response.url == reverse("account_email_verification_sent")
    user = get_user_model().objects.get(email="new@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    # Not verified: no session, so no order history yet.
    assert client.get(reverse("accounts:overview")).status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]

    response = confirm_from_email(client)

    assert EmailAddress.objects.get(user=user).verified
    assert response.status_code == 302
    assert client.get(reverse("accounts:overview")).status_code == 200

    client.post(reverse("account_logout"))
    assert client.get(reverse("accounts:overview")).status_code == 302
    response = client.post(reverse("account_login"), {"login": "NEW@example.com", "password": "sunny-vitamins-2026"})
    assert response.status_code == 302 and response.url == reverse("accounts:overview")


def test_unverified_login_sends_to_verification_not_into_the_account(client):
    CustomerFactory(email="late@example.com", verified=False)

    response = client.post(reverse("account_login"), {"login": "late@example.com", "password": CUSTOMER_PASSWORD})

    assert response.status_code == 302 and response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("accounts:overview")).status_code == 302


def test_sign_up_page_shows_no_username(client):
    html = client.get(reverse("account_signup")).content.decode()

    assert 'name="email"' in html and 'name="password1"' in html
    assert 'name="username"' not in html


def test_sign_up_with_a_taken_email_answers_like_a_new_one(client):
    CustomerFactory(email="taken@example.com")

    taken = sign_up(client, email="taken@example.com")
    fresh = sign_up(client.__class__(), email="fresh@example.com")

    assert taken.status_code == fresh.status_code == 302
    assert taken.url == fresh.url == reverse("account_email_verification_sent")
    assert get_user_model().objects.filter(email__iexact="taken@example.com").count() == 1


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client):
    CustomerFactory(email="known@example.com")

    known = client.post(reverse("account_reset_password"), {"email": "known@example.com"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("account_reset_password_done")
    assert client.get(known.url).content == client.get(unknown.url).content


def test_password_reset_from_the_emailed_link(client):
    CustomerFactory(email="forgot@example.com")
    client.post(reverse("account_reset_password"), {"email": "forgot@example.com"})
    url = link_in_last_email("/account/password/reset/key/")

    form_url = client.get(url).url  # allauth moves the key into the session, then shows the form
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    login = client.post(reverse("account_login"), {"login": "forgot@example.com", "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert get_user_model().objects.get(email="forgot@example.com").check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    "url",
    [
        "/account/password/reset/key/zz-bad-token/",
        "/account/password/reset/key/1-set-password/",
        "/account/confirm-email/not-a-real-key/",
        "/account/confirm-email/" + "x" * 300 + "/",
    ],
)
def test_tampered_reset_and_verification_links_get_a_clear_page(client, url):
    response = client.get(url, follow=True)

    assert response.status_code == 200
    html = response.content.decode().lower()
    assert "invalid" in html or "expired" in html


def test_tampered_verification_post_changes_nothing(client):
    customer = CustomerFactory(verified=False)

    response = client.post("/account/confirm-email/not-a-real-key/")

    assert response.status_code == 404  # allauth's answer to confirming an unknown key: not a 500
    assert not EmailAddress.objects.get(user=customer).verified


def test_change_email_takes_effect_once_the_new_address_is_verified(client):
    customer = CustomerFactory(email="old@example.com")
    client.force_login(customer)

    response = client.post(reverse("account_email"), {"action_add": "", "email": "new-address@example.com"})

    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new-address@example.com"]
    customer.refresh_from_db()
    assert customer.email == "old@example.com"
    confirm_from_email(client)
    customer.refresh_from_db()
    assert customer.email == "new-address@example.com"
    addresses = EmailAddress.objects.filter(user=customer).values_list("email", flat=True)
    assert list(addresses) == ["new-address@example.com"]


def test_verifying_attaches_that_addresses_guest_orders_only(client):
    mine = OrderFactory(email="Guest@Example.com")
    someone_elses = OrderFactory(email="other@example.com")

    sign_up(client, email="guest@example.com")
    mine.refresh_from_db()
    assert mine.customer is None  # signing up proves nothing: only verification attaches

    confirm_from_email(client)

    mine.refresh_from_db()
    someone_elses.refresh_from_db()
    assert mine.customer == get_user_model().objects.get(email="guest@example.com")
    assert someone_elses.customer is None
    assert mine.number in client.get(reverse("accounts:overview")).content.decode()


def test_pages_and_messages_name_the_customer_by_email_never_by_the_generated_username(client):
    customer = CustomerFactory(email="named@example.com", username="generated-name")

    response = client.post(
        reverse("account_login"), {"login": "named@example.com", "password": CUSTOMER_PASSWORD}, follow=True
    )

    html = response.content.decode()
    assert customer.username not in html
    assert "named@example.com" in html
