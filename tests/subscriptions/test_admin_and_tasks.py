"""Staff manage subscriptions in the admin with model permissions; the daily beat task; the demo
customer's subscription."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.demo_customer import DEMO_CUSTOMER_EMAIL
from config.celery import app
from shop.models import Order
from subscriptions.demo import load_demo_subscription
from subscriptions.models import Subscription
from subscriptions.tasks import place_due_subscriptions
from tests.factories import AddressFactory, StaffUserFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:subscriptions_subscription_changelist")


def staff_client(client, *permissions: str):
    client.force_login(StaffUserFactory(permissions=list(permissions)))
    return client


def run_action(client, action: str, subscriptions):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [s.pk for s in subscriptions]}, follow=True
    )


def test_staff_without_permission_see_nothing(client):
    staff_client(client)
    assert client.get(CHANGELIST).status_code == 403


def test_view_permission_lists_filters_and_searches_but_offers_no_action(client, product):
    wanted = SubscriptionFactory(product=product, customer__email="findme@example.com")
    SubscriptionFactory(product=product, status=Subscription.Status.PAUSED)
    staff_client(client, "subscriptions.view_subscription")

    response = client.get(CHANGELIST, {"q": "findme"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]
    paused = client.get(CHANGELIST, {"status__exact": "paused"})
    assert [s.status for s in paused.context["cl"].result_list] == ["paused"]
    assert client.get(reverse("admin:subscriptions_subscription_change", args=[wanted.pk])).status_code == 200

    run_action(client, "cancel_selected", [wanted])
    wanted.refresh_from_db()
    assert wanted.status == "active"


def test_change_permission_pauses_resumes_and_cancels(client, product):
    first, second = SubscriptionFactory(product=product), SubscriptionFactory(product=product)
    staff_client(client, "subscriptions.view_subscription", "subscriptions.change_subscription")
    actions = [name for name, _ in client.get(CHANGELIST).context["action_form"].fields["action"].choices]
    assert {"pause_selected", "resume_selected", "cancel_selected"} <= set(actions)

    messages = [str(m) for m in run_action(client, "pause_selected", [first]).context["messages"]]
    assert messages == ["1 subscription(s) paused."]
    first.refresh_from_db()
    assert first.status == "paused"

    messages = [str(m) for m in run_action(client, "pause_selected", [first, second]).context["messages"]]
    assert messages == ["1 subscription(s) paused.", "1 subscription(s) could not be paused."]

    run_action(client, "cancel_selected", [first, second])
    assert set(Subscription.objects.values_list("status", flat=True)) == {"cancelled"}


def test_the_daily_task_places_whats_due_and_is_on_the_beat_schedule(customer, product):
    SubscriptionFactory(customer=customer, product=product)

    result = place_due_subscriptions.apply().get()

    assert "1 placed" in result
    assert Order.objects.count() == 1
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == place_due_subscriptions.name
    )
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {5} and entry["schedule"].minute == {0}   # once a day


def test_demo_customer_gets_one_active_subscription_once(capsys):
    call_command("load_demo_catalog")
    out = capsys.readouterr().out

    assert "demo customer's subscription" in out
    subscription = Subscription.objects.get()
    assert subscription.customer.email == DEMO_CUSTOMER_EMAIL
    assert subscription.status == "active"
    assert subscription.next_due > timezone.localdate()
    load_demo_subscription()
    assert Subscription.objects.count() == 1


def test_demo_subscription_is_skipped_without_the_demo_customer():
    assert "No demo customer" in load_demo_subscription()



def test_customer_delivery_due_tomorrow_is_not_placed_by_todays_task(product):
    subscription = SubscriptionFactory(product=product, next_due=timezone.localdate() + timedelta(days=1))
    AddressFactory(customer=subscription.customer)
    assert "0 placed" in place_due_subscriptions.apply().get()
