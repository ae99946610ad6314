"""API tokens: only staff get one, and no admin page ever shows a whole key."""
from __future__ import annotations

import importlib

import pytest
from django.contrib import admin
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/auth/token/"


def token_admin_url(page: str, *args) -> str:
    """The admin page for tokens, whichever (proxy) model of Token it is registered on."""
    [model] = [model for model in admin.site._registry if issubclass(model, Token)]
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


@pytest.fixture
def shopper():
    return get_user_model().objects.create_user("shopper", "shopper@example.com", "right-pass-123")


def test_a_shoppers_right_password_gets_the_answer_a_wrong_one_gets(shopper):
    right = APIClient().post(TOKEN_URL, {"username": "shopper", "password": "right-pass-123"})
    wrong = APIClient().post(TOKEN_URL, {"username": "shopper", "password": "wrong-pass-123"})
    unknown = APIClient().post(TOKEN_URL, {"username": "nobody-at-all", "password": "right-pass-123"})

    assert right.status_code == wrong.status_code == unknown.status_code == 401
    assert right.json() == wrong.json() == unknown.json()
    assert right.json()["error"]["code"] == "authentication_failed"
    assert not Token.objects.filter(user=shopper).exists()


def test_staff_get_a_token():
    user = StaffUserFactory(username="clerk")
    response = APIClient().post(TOKEN_URL, {"username": "clerk", "password": "staff-pass-123"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}


def test_inactive_staff_get_no_token():
    StaffUserFactory(username="gone", is_active=False)
    response = APIClient().post(TOKEN_URL, {"username": "gone", "password": "staff-pass-123"})
    assert response.status_code == 401


@pytest.fixture
def token_admin(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123")
    client.force_login(admin)
    return client


@pytest.fixture
def token():
    return Token.objects.create(user=StaffUserFactory(username="holder"))


def test_token_list_shows_a_prefix_never_the_key(token_admin, token):
    response = token_admin.get(token_admin_url("changelist"))
    assert response.status_code == 200
    assert token.key.encode() not in response.content
    assert token.key[:8].encode() in response.content
    assert b"holder" in response.content


def test_token_change_history_and_delete_pages_never_show_the_key(token_admin, token):
    user_pk = token.user.pk
    for page in ("change", "history", "delete"):
        response = token_admin.get(token_admin_url(page, user_pk))
        assert response.status_code == 200, page
        assert token.key.encode() not in response.content, page
        assert token.key[:8].encode() in response.content, page


def test_a_token_cannot_be_moved_to_another_user(token_admin, token):
    other = StaffUserFactory(username="other")
    token_admin.post(token_admin_url("change", token.user.pk), {"user": other.pk})
    assert Token.objects.get(key=token.key).user.username == "holder"


def test_the_admin_creates_tokens_for_staff_only(token_admin, shopper):
    """The admin's add form is another way to get a token: it offers active staff only, as the
    token endpoint does."""
    response = token_admin.post(token_admin_url("add"), {"user": shopper.pk})
    assert response.status_code == 200  # the form again, with an error on the user
    assert "user" in response.context["adminform"].form.errors
    assert not Token.objects.filter(user=shopper).exists()

    inactive = StaffUserFactory(username="gone", is_active=False)
    token_admin.post(token_admin_url("add"), {"user": inactive.pk})
    assert not Token.objects.filter(user=inactive).exists()


def test_creating_and_revoking_in_the_admin_logs_no_key(token_admin):
    user = StaffUserFactory(username="newcomer")
    response = token_admin.post(token_admin_url("add"), {"user": user.pk}, follow=True)
    assert response.status_code == 200
    key = Token.objects.get(user=user).key
    assert key.encode() not in response.content

    response = token_admin.post(token_admin_url("delete", user.pk), {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert not Token.objects.filter(user=user).exists()
    assert key.encode() not in response.content
    assert LogEntry.objects.count() == 2
    assert all(key not in entry.object_repr for entry in LogEntry.objects.all())


def test_the_migration_cuts_whole_keys_out_of_the_admin_history(token):
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from rest_framework.authtoken.models import TokenProxy

    migration = importlib.import_module("shop.migrations.0005_api_token")
    admin_user = get_user_model().objects.create_superuser("root", "root@example.com", "root-pass-123")
    # What DRF's own token admin logged when a token was added there.
    entry = LogEntry.objects.create(
        user=admin_user, content_type=ContentType.objects.get_for_model(TokenProxy, for_concrete_model=False),
        object_id=str(token.user.pk), object_repr=token.key, action_flag=ADDITION,
    )

    migration.redact_logged_token_keys(apps, None)

    entry.refresh_from_db()
    assert entry.object_repr == f"{token.key[:8]}…"
