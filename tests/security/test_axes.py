"""django-axes on the admin login: 5 failures for one username from one IP lock that pair out for
15 minutes with a 429; other users and other addresses are unaffected; test logins still work."""
from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("admin-user", "a@example.com", PASSWORD, is_staff=True)


@pytest.fixture
def other_staff():
    return get_user_model().objects.create_user("other-user", "o@example.com", PASSWORD, is_staff=True)


def admin_login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def fail_until_locked(client: Client, username: str, ip: str = "10.0.0.1") -> list[int]:
    limit = settings.AXES_FAILURE_LIMIT
    return [admin_login(client, username, "wrong-password", ip).status_code for _ in range(limit)]


def test_settings_match_the_policy():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_fifth_failure_locks_the_username_from_that_ip(client, staff):
    statuses = fail_until_locked(client, "admin-user")
    # Wrong passwords re-show the form (200) until the limit, which answers 429.
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429

    # Now even the right password is refused, and nobody is signed in.
    response = admin_login(client, "admin-user", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get(username="admin-user")
    assert attempt.ip_address == "10.0.0.1"
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT


def test_lockout_does_not_spread_to_other_users_or_other_addresses(client, staff, other_staff):
    fail_until_locked(client, "admin-user", ip="10.0.0.1")

    # Same address, another account: an attacker cannot lock every account out from one machine.
    other = Client()
    response = admin_login(other, "other-user", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 302
    # Same account, another address: the real owner elsewhere can still sign in.
    owner = Client()
    response = admin_login(owner, "admin-user", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_lockout_ends_after_the_cooloff(client, staff, settings):
    fail_until_locked(client, "admin-user")
    assert admin_login(client, "admin-user", PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    response = admin_login(client, "admin-user", PASSWORD)
    assert response.status_code == 302


def test_successful_login_resets_the_count(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        admin_login(client, "admin-user", "wrong-password")
    assert admin_login(client, "admin-user", PASSWORD).status_code == 302
    client.logout()
    # The count started again: another four mistakes do not lock the account.
    statuses = [admin_login(client, "admin-user", "wrong").status_code for _ in range(settings.AXES_FAILURE_LIMIT - 1)]
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1)


def test_test_client_logins_work_with_axes(client, staff):
    # force_login skips authentication entirely.
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    client.logout()
    # login() goes through authenticate(); axes needs the request it would have had.
    assert client.login(request=HttpRequest(), username="admin-user", password=PASSWORD)
    assert client.get("/admin/").status_code == 200


PROXY = "10.0.0.254"


def login_through_proxy(username: str, password: str, forwarded_for: str):
    return Client().post(
        "/admin/login/?next=/admin/", {"username": username, "password": password},
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_a_proxy_one_clients_failures_do_not_lock_out_another(settings, staff):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker, owner = "198.51.100.1", "198.51.100.2"
    statuses = [
        login_through_proxy("admin-user", "wrong", attacker).status_code for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[-1] == 429
    # Forging another address in front of the proxy's entry changes nothing for the attacker.
    assert login_through_proxy("admin-user", PASSWORD, f"203.0.113.77, {attacker}").status_code == 429

    response = login_through_proxy("admin-user", PASSWORD, owner)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert AccessAttempt.objects.get(username="admin-user").ip_address == attacker
