"""Customer logins are limited with the project's one client-address rule: axes counts failures per
email address and client, allauth's own rate limits key on config.clients.client_address."""
from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.adapter import AccountAdapter
from tests.factories import CUSTOMER_PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db


def log_in(email: str, password: str, *, address: str = "198.51.100.7", forwarded_for: str = ""):
    extra = {"REMOTE_ADDR": address}
    if forwarded_for:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client().post(reverse("account_login"), {"login": email, "password": password}, **extra)


def test_failed_customer_logins_lock_that_email_from_that_address_only():
    CustomerFactory(email="target@example.com")
    CustomerFactory(email="bystander@example.com")

    statuses = [log_in("target@example.com", "wrong").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]

    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    assert AccessAttempt.objects.get().username == "target@example.com"
    # The right password is refused too while locked…
    assert log_in("target@example.com", CUSTOMER_PASSWORD).status_code == 429
    # …but another account from the same address, and the same account from elsewhere, still log in.
    assert log_in("bystander@example.com", CUSTOMER_PASSWORD).status_code == 302
    assert log_in("target@example.com", CUSTOMER_PASSWORD, address="198.51.100.8").status_code == 302


def test_a_successful_customer_login_works_with_axes():
    CustomerFactory(email="fine@example.com")

    response = log_in("fine@example.com", CUSTOMER_PASSWORD)

    assert response.status_code == 302 and response.url == reverse("accounts:overview")


def test_allauth_rate_limits_key_on_the_projects_client_address(settings):
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.3")

    settings.TRUSTED_PROXY_COUNT = 0
    assert AccountAdapter().get_client_ip(request) == "10.0.0.5"  # a client-written header is ignored
    settings.TRUSTED_PROXY_COUNT = 1
    assert AccountAdapter().get_client_ip(request) == "198.51.100.3"


def test_allauth_login_rate_limit_cannot_be_dodged_with_a_forged_header(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    statuses = [
        log_in(f"nobody{n}@example.com", "wrong", forwarded_for=f"203.0.113.{n}").status_code for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]
