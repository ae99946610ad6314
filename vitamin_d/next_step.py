"""The next step of a person's loop, from their tests: the dose now, the date of the next test, and
how much their own history moved the dose.

The one place this app talks to the advisor engine. The engine needs the person's answers (age,
weight, conditions, medicines, other vitamin D sources): they come from an advisor result. The
latest test is the engine's ``blood_level``, the earlier ones its ``previous_tests``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from advisor import engine

from .models import BloodTest

RETEST_WEEKS = engine.RETEST_WEEKS


@dataclass(frozen=True)
class DatedProjection:
    on: date
    ng_ml: float
    low_ng_ml: float
    high_ng_ml: float


@dataclass(frozen=True)
class NextStep:
    recommendation: engine.Recommendation | None
    problem: str | None  # why there is no recommendation, in plain words
    dose_before_iu: int | None  # the dose taken before the latest test
    dose_now_iu: int | None  # the engine's new total a day from all sources (None: no dose)
    dose_changed_on: date | None  # when the dose now was started (or is to start)
    next_test_on: date | None
    history_sentence: str | None  # the engine's: how much the person's own tests moved the dose
    projection: tuple[DatedProjection, ...] = ()

    @property
    def dose_changes(self) -> bool:
        return self.dose_now_iu is not None and self.dose_now_iu != self.dose_before_iu


def _dose_since(tests: Sequence[BloodTest], profile_since: date | None) -> date | None:
    """Since when the dose before the latest test was taken. The loop changes the dose right after a
    test, so a dose that differs from the one before the previous test started on that test's day."""
    latest = tests[-1]
    for earlier in reversed(tests[:-1]):
        if earlier.d3_daily_iu != latest.d3_daily_iu:
            return earlier.tested_on
        # The same dose: it was already taken before this earlier test; look further back.
    if profile_since is not None and profile_since <= tests[0].tested_on:
        return profile_since
    return None


def _answers(profile: dict[str, Any], tests: Sequence[BloodTest]) -> engine.Answers:
    latest = tests[-1]
    other_iu = min(int(profile.get("other_d3_daily_iu") or 0), latest.d3_daily_iu)
    prescription = profile.get("prescription_d3")
    prescription_daily = round(prescription["iu"] / prescription["every_days"]) if prescription else 0
    earlier = list(tests[:-1])[-engine.MAX_PREVIOUS_TESTS:]
    since = _dose_since(tests, engine.answers_from_dict(profile).current_d3_since)
    return engine.answers_from_dict({
        **profile,
        "blood_level": {"value": float(latest.value), "unit": latest.unit, "tested_on": latest.tested_on.isoformat()},
        "current_d3_iu": max(latest.d3_daily_iu - other_iu - prescription_daily, 0),
        "other_d3_daily_iu": other_iu,
        "current_d3_since": since.isoformat() if since else None,
        "previous_tests": [
            {
                "tested_on": t.tested_on.isoformat(), "value": float(t.value), "unit": t.unit,
                "d3_daily_iu": t.d3_daily_iu,
            }
            for t in earlier
        ],
    })


def next_step(tests: Sequence[BloodTest], profile: dict[str, Any] | None, *, today: date) -> NextStep:
    """The next step from the tests (any order) and the advisor answers, or why there is none."""
    tests = sorted(tests, key=lambda test: test.tested_on)
    if not tests:
        return NextStep(None, "Add your first test to see your next step.", None, None, None, None, None)
    before = tests[-1].d3_daily_iu
    if profile is None:
        return NextStep(
            None, "Take the advisor quiz while logged in, and save its result here: the dose needs your answers.",
            before, None, None, None, None,
        )
    try:
        personal = engine.recommend(_answers(profile, tests), today=today)
    except engine.InvalidAnswers as exc:
        return NextStep(None, " ".join(exc.errors.values()), before, None, None, None, None)
    dose_now = personal.d3.daily_iu if personal.d3 else None
    latest_on = tests[-1].tested_on
    if dose_now is not None and dose_now != before:
        changed_on: date | None = latest_on
    else:
        changed_on = _dose_since(tests, None)
    next_test_on = None
    if personal.retest_after_weeks is not None and changed_on is not None:
        due = changed_on + timedelta(weeks=personal.retest_after_weeks)
        next_test_on = due if due > latest_on else None  # a test on the plateau of this dose is already there
    projection = tuple(
        DatedProjection(latest_on + timedelta(weeks=point.week), point.ng_ml, point.low_ng_ml, point.high_ng_ml)
        for point in personal.projection or ()
    )
    return NextStep(
        recommendation=personal,
        problem=None,
        dose_before_iu=before,
        dose_now_iu=dose_now,
        dose_changed_on=changed_on,
        next_test_on=next_test_on,
        history_sentence=personal.personal.text if personal.personal else None,
        projection=projection,
    )
