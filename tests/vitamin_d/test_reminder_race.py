"""A real race on PostgreSQL: two reminder runs at once (two workers, or beat and a manual run) send
each retest reminder once."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from reminders.models import SentEmail
from tests.concurrency import run_at_once
from tests.factories import CustomerFactory
from vitamin_d.services import retest_reminders_send

from .helpers import history, opted_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_runs_at_once_send_each_reminder_once():
    today = date.today() - timedelta(days=300)
    due = today - timedelta(days=32) + timedelta(weeks=12)
    customers = [CustomerFactory() for _ in range(3)]
    for customer in customers:
        opted_in(customer, reminders=True)
        history(customer, today=today)

    results = run_at_once([lambda: retest_reminders_send(due) for _ in range(4)])

    assert sum(results) == 3, results
    assert sorted(message.to[0] for message in mail.outbox) == sorted(c.email for c in customers)
    assert SentEmail.objects.filter(kind="vitamin_d_retest").count() == 3
