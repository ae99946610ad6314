"""A customer's own vitamin D history: their blood tests, and their consent to keep them.

Test results are health data: none is stored before the customer opts in (``HealthDataConsent``),
and withdrawing the consent deletes them. Everything here cascades from the user, so "delete my
account" removes it too.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models

NMOL_PER_NG = 2.496  # UCSF lab manual: 1 ng/mL of 25(OH)D = 2.496 nmol/L


class HealthDataConsent(models.Model):
    """The customer's explicit opt-in to keeping their test results, and their retest reminder choice."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="health_data_consent"
    )
    given_at = models.DateTimeField(auto_now_add=True)
    retest_reminders = models.BooleanField(
        default=False, help_text="Email me 12 weeks after each dose change that it is time to retest."
    )
    # The advisor answers the dose is computed from (age, weight, conditions, medicines, other vitamin D
    # sources), copied when a result is saved here: advisor results are purged after a few months.
    advisor_answers = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = "health data consent"

    def __str__(self) -> str:
        return f"Health data consent of customer {self.owner_id}"


class BloodTest(models.Model):
    class Unit(models.TextChoices):
        NG_ML = "ng/mL", "ng/mL"
        NMOL_L = "nmol/L", "nmol/L"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blood_tests")
    tested_on = models.DateField()
    value = models.DecimalField(max_digits=5, decimal_places=1)
    unit = models.CharField(max_length=6, choices=Unit.choices)
    lab_name = models.CharField("lab", max_length=100, blank=True)
    d3_daily_iu = models.PositiveIntegerField(
        "vitamin D a day before the test",
        help_text="IU a day from all supplements (multivitamins and prescriptions included) in the weeks before.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tested_on"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "tested_on"], name="vitamin_d_one_test_per_day"),
        ]

    def __str__(self) -> str:
        return f"Blood test {self.pk} of customer {self.owner_id}"

    @property
    def ng_ml(self) -> float:
        value = float(self.value)
        return value if self.unit == self.Unit.NG_ML else value / NMOL_PER_NG
