"""Staff views of advisor results: read-only list and detail, delete, and the summary page."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from advisor import engine
from advisor.models import AdvisorResult
from advisor.selectors import advisor_summary
from advisor.services import recommendation_create

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:advisor_advisorresult_changelist")
SUMMARY = reverse("admin:advisor_advisorresult_summary")


@pytest.fixture
def results() -> list[AdvisorResult]:
    plain = recommendation_create(engine.Answers(age=40, current_d3_iu=0))
    same_pair = recommendation_create(engine.Answers(age=41, current_d3_iu=0))
    referred = recommendation_create(engine.Answers(age=40, current_d3_iu=0, conditions=frozenset({"kidney_disease"})))
    plain.led_to_cart_at = timezone.now()
    plain.save()
    return [plain, same_pair, referred]


def test_staff_see_the_changelist_with_a_link_to_the_summary(admin_client, results):
    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert SUMMARY in html
    assert results[0].engine_version in html
    assert reverse("admin:advisor_advisorresult_add") not in html


def test_staff_see_a_read_only_detail_with_answers_and_outcome(admin_client, results):
    result = results[0]
    url = reverse("admin:advisor_advisorresult_change", args=[result.pk])

    response = admin_client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert "&quot;current_d3_iu&quot;: 0" in html
    assert "&quot;rationale&quot;" in html
    assert 'name="_save"' not in html
    # Posting a change does nothing: the result is what someone was told.
    admin_client.post(url, {"engine_version": "edited"})
    result.refresh_from_db()
    assert result.engine_version == engine.ENGINE_VERSION


def test_staff_cannot_add_but_can_delete(admin_client, results):
    assert admin_client.get(reverse("admin:advisor_advisorresult_add")).status_code == 403

    result = results[0]
    response = admin_client.post(reverse("admin:advisor_advisorresult_delete", args=[result.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not AdvisorResult.objects.filter(pk=result.pk).exists()


def test_summary_page_shows_counts_pairs_and_carts(admin_client, results):
    response = admin_client.get(SUMMARY)

    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.total == 3
    assert summary.referred == 1
    assert summary.led_to_cart == 1
    assert summary.per_day[0].count == 3
    top = summary.top_pairs[0]
    assert (top.d3_daily_iu, top.k2_form, top.k2_daily_mcg, top.count) == (
        results[0].d3_daily_iu, "MK-7", results[0].k2_daily_mcg, 2
    )
    html = response.content.decode()
    assert "Pairs recommended most" in html
    assert "Led to a cart" in html


def test_summary_counts_only_the_last_30_days(results):
    AdvisorResult.objects.filter(pk=results[2].pk).update(created_at=timezone.now() - timedelta(days=31))

    summary = advisor_summary(days=30)

    assert summary.total == 2
    assert summary.referred == 0
    assert summary.referred_share == 0.0
    assert summary.led_to_cart_share == pytest.approx(0.5)


@pytest.mark.parametrize("url_name", ["changelist", "summary"])
def test_anonymous_visitors_are_sent_to_the_login(client, url_name):
    url = CHANGELIST if url_name == "changelist" else SUMMARY

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("url_name", ["changelist", "summary"])
def test_non_staff_users_are_sent_to_the_login(client, url_name):
    user = get_user_model().objects.create_user("shopper", password="not-staff-pass-123")
    client.force_login(user)
    url = CHANGELIST if url_name == "changelist" else SUMMARY

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
