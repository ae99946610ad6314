"""Random and hostile input to the test form (add and edit): a clear 4xx or a redirect, never a 5xx,
and anything stored stays within the bounds."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given

from advisor import engine
from tests.factories import CustomerFactory
from tests.security.test_fuzz_no_500 import FUZZ, assert_handled, fields_of
from vitamin_d.forms import BloodTestForm
from vitamin_d.models import BloodTest

from .helpers import history, opted_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_client():
    customer = CustomerFactory()
    opted_in(customer)
    history(customer, today=timezone.localdate())
    client = Client()
    client.force_login(customer)
    return client, customer


@FUZZ
@given(data=fields_of(BloodTestForm))
def test_adding_and_editing_a_test(customer_client, data):
    client, customer = customer_client
    assert_handled(client.post(reverse("vitamin_d:test_add"), data))
    first = BloodTest.objects.filter(owner=customer).first()
    assert_handled(client.post(reverse("vitamin_d:test_edit", args=[first.pk]), data))
    assert_handled(client.get(reverse("vitamin_d:page")))
    low, high = engine.LEVEL_RANGE_NG_ML
    for test in BloodTest.objects.filter(owner=customer):
        assert low <= test.ng_ml <= high and test.tested_on <= timezone.localdate()
