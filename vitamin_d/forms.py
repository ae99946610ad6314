"""Forms of "My vitamin D": every input bounded (levels the engine accepts, doses up to the limit it
checks, no date in the future or before the engine's oldest)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from advisor import engine

from .models import NMOL_PER_NG, BloodTest
from .services import BloodTestData

LEVEL_LOW_NG_ML, LEVEL_HIGH_NG_ML = engine.LEVEL_RANGE_NG_ML
MAX_DAILY_IU = engine.MAX_CURRENT_D3_IU  # the most the engine accepts as a dose before a test


class BloodTestForm(forms.Form):
    tested_on = forms.DateField(label="Date of the test", widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(
        label="25(OH)D result", max_digits=5, decimal_places=1, min_value=Decimal("0.1"),
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    unit = forms.ChoiceField(label="Unit", choices=BloodTest.Unit.choices)
    lab_name = forms.CharField(label="Lab (optional)", max_length=100, required=False)
    d3_daily_iu = forms.IntegerField(
        label="Vitamin D a day in the weeks before (IU)", min_value=0, max_value=MAX_DAILY_IU,
        help_text="All supplements together: vitamin D, multivitamin, cod-liver oil, and a prescription as a "
        "daily average (50,000 IU a week is 7,143 IU a day).",
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}),
    )

    def __init__(self, *args, customer: AbstractBaseUser, editing: BloodTest | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.editing = editing
        today = timezone.localdate()
        self.fields["tested_on"].widget.attrs.update({"max": today.isoformat()})

    def clean_tested_on(self) -> date:
        tested_on = self.cleaned_data["tested_on"]
        today = timezone.localdate()
        if tested_on > today:
            raise forms.ValidationError("The date of a test cannot be in the future.")
        if tested_on < today - timedelta(days=365 * engine.OLDEST_DATE_YEARS):
            raise forms.ValidationError(f"Give a date within the last {engine.OLDEST_DATE_YEARS} years.")
        same_day = BloodTest.objects.filter(owner=self.customer, tested_on=tested_on)
        if self.editing is not None:
            same_day = same_day.exclude(pk=self.editing.pk)
        if same_day.exists():
            raise forms.ValidationError("You already have a test on that day: edit that one instead.")
        return tested_on

    def clean(self):
        cleaned = super().clean()
        value, unit = cleaned.get("value"), cleaned.get("unit")
        if value is not None and unit:
            ng_ml = float(value) if unit == BloodTest.Unit.NG_ML else float(value) / NMOL_PER_NG
            if not LEVEL_LOW_NG_ML <= ng_ml <= LEVEL_HIGH_NG_ML:
                low, high = LEVEL_LOW_NG_ML, LEVEL_HIGH_NG_ML
                self.add_error(
                    "value",
                    f"A 25(OH)D result is between {low} and {high} ng/mL ({low * NMOL_PER_NG:.1f} to "
                    f"{high * NMOL_PER_NG:.0f} nmol/L): check the value and the unit.",
                )
        return cleaned

    def data_for_save(self) -> BloodTestData:
        c = self.cleaned_data
        return BloodTestData(
            tested_on=c["tested_on"], value=c["value"], unit=c["unit"], d3_daily_iu=c["d3_daily_iu"],
            lab_name=c["lab_name"].strip(),
        )


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label="Keep my vitamin D test results in my account. I can delete them, or withdraw this, at any time.",
    )


class RetestRemindersForm(forms.Form):
    retest_reminders = forms.BooleanField(
        label="Email me 12 weeks after each dose change that it is time to retest", required=False
    )
