"""Stored advisor results.

A result keeps the quiz answers and the engine's outcome exactly as they were computed, so a
revisited link shows what the person saw then, even after the rules change (``engine_version``).
Nothing in it names a person: the answers are ages, doses and ticked boxes, and the only key is
an unguessable UUID4 that whoever holds the link can use to view or delete it.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class AdvisorResult(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    engine_version = models.CharField(max_length=40)
    answers = models.JSONField(help_text="The quiz answers (engine.answers_to_dict).")
    outcome = models.JSONField(help_text="The engine's recommendation (engine.recommendation_to_dict).")
    # Copies of the outcome's headline figures, so the staff summary can group and count in SQL.
    refer_to_clinician = models.BooleanField()
    d3_daily_iu = models.PositiveIntegerField(null=True, blank=True)
    k2_form = models.CharField(max_length=10, null=True, blank=True)
    k2_daily_mcg = models.PositiveIntegerField(null=True, blank=True)
    # The customer who took the quiz while logged in (listed in their account, deleted with it).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="advisor_results"
    )
    led_to_cart_at = models.DateTimeField(
        null=True, blank=True, help_text="When the recommended products were first added to a cart."
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "advisor result"

    def __str__(self) -> str:
        return f"Advisor result {self.created_at:%Y-%m-%d %H:%M} ({self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("advisor:result", args=[self.pk])
