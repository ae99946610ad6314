"""Nobody sees or changes another person's tests; changes are POST-only and need CSRF; every page
needs a verified login and is never cached."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import CustomerFactory
from vitamin_d.models import BloodTest

from .helpers import advisor_result, history, opted_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_test():
    owner = CustomerFactory()
    opted_in(owner)
    return history(owner, today=timezone.localdate())[-1]


@pytest.fixture
def intruder_client(client):
    intruder = CustomerFactory()
    opted_in(intruder)
    client.force_login(intruder)
    return client


@pytest.mark.parametrize("name", ["vitamin_d:test_edit", "vitamin_d:test_delete"])
def test_another_persons_test_is_a_404_to_read_and_to_change(intruder_client, owner_test, name):
    url = reverse(name, args=[owner_test.pk])

    assert intruder_client.get(url).status_code == 404
    assert intruder_client.post(url, {"tested_on": "2026-01-01", "value": "99", "unit": "ng/mL",
                                      "d3_daily_iu": 0}).status_code == 404
    owner_test.refresh_from_db()
    assert owner_test.value != 99 and BloodTest.objects.filter(pk=owner_test.pk).exists()


def test_another_persons_tests_are_not_on_the_page(intruder_client, owner_test):
    html = intruder_client.get(reverse("vitamin_d:page")).content.decode()

    assert "29.0 ng/mL" not in html and "No tests yet." in html


def test_another_persons_advisor_result_cannot_be_saved(intruder_client):
    stranger = CustomerFactory()
    result = advisor_result(stranger, tested_on=timezone.localdate())

    assert intruder_client.post(reverse("vitamin_d:result_save", args=[result.pk])).status_code == 404
    assert not BloodTest.objects.exists()


@pytest.mark.parametrize(
    "name", ["vitamin_d:consent", "vitamin_d:test_add", "vitamin_d:reminders"]
)
def test_changes_are_post_only(intruder_client, name):
    assert intruder_client.get(reverse(name)).status_code == 405


def test_changes_need_the_csrf_token(owner_test):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner_test.owner)

    response = client.post(reverse("vitamin_d:test_delete", args=[owner_test.pk]))

    assert response.status_code == 403 and BloodTest.objects.filter(pk=owner_test.pk).exists()


def test_pages_need_a_verified_login_and_are_never_cached(client, owner_test):
    page = reverse("vitamin_d:page")
    response = client.get(page)
    assert response.status_code == 302 and reverse("account_login") in response.url

    client.force_login(CustomerFactory(verified=False))
    assert reverse("vitamin_d:test_add") not in client.get(page).content.decode()

    client.force_login(owner_test.owner)
    response = client.get(page)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
