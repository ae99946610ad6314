"""Results older than the retention period are purged by the scheduled task; recent ones stay."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from advisor import engine
from advisor.models import AdvisorResult
from advisor.services import advisor_results_purge_expired, recommendation_create
from advisor.tasks import purge_expired_advisor_results

pytestmark = pytest.mark.django_db


def result_aged(days: float) -> AdvisorResult:
    result = recommendation_create(engine.Answers(age=40, current_d3_iu=0))
    AdvisorResult.objects.filter(pk=result.pk).update(created_at=timezone.now() - timedelta(days=days))
    return result


def test_old_results_are_deleted_and_recent_ones_kept(settings):
    settings.ADVISOR_RESULT_RETENTION_DAYS = 90
    old = result_aged(91)
    just_inside = result_aged(89.9)
    fresh = result_aged(0)

    deleted = advisor_results_purge_expired()

    assert deleted == 1
    assert not AdvisorResult.objects.filter(pk=old.pk).exists()
    assert set(AdvisorResult.objects.values_list("pk", flat=True)) == {just_inside.pk, fresh.pk}


def test_the_retention_setting_decides(settings):
    settings.ADVISOR_RESULT_RETENTION_DAYS = 7
    result_aged(8)
    kept = result_aged(6)

    assert advisor_results_purge_expired() == 1
    assert list(AdvisorResult.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_celery_task_purges(settings):
    settings.ADVISOR_RESULT_RETENTION_DAYS = 30
    result_aged(45)
    kept = result_aged(1)

    assert purge_expired_advisor_results.apply().get() == 1
    assert list(AdvisorResult.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_purge_is_scheduled_daily():
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == purge_expired_advisor_results.name
    )

    assert entry["schedule"] == 24 * 60 * 60
