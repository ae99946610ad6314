"""A person's own vitamin D response, estimated from their dated tests (policy v2).

Pure Python (no Django), like the rest of the engine. With two or more dated tests and the daily
dose before each, the change in level between two tests says how strongly this person responds:
a multiplier ``s`` on the middle (Heaney) curve. The prior is log-normal, centred on 1, with the
Ekwaru and Vieth curves about one standard deviation either side; each test carries about 10 %
assay error. Tests taken before the plateau count only the share of the change that had happened
(first-order kinetics, half-life about 15 days). The posterior mean of ``s`` is what the next dose
uses; it is still capped at 4,000 IU a day by the engine.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .engine_dose import HALF_LIFE_DAYS, SLOPE_HIGH_VIETH, SLOPE_LOW_EKWARU, SLOPE_MID_HEANEY, DoseResponse

# Ekwaru (4.8) and Vieth (10) sit about one log-standard-deviation either side of Heaney (7).
PRIOR_LOG_SD = (math.log(SLOPE_HIGH_VIETH / SLOPE_MID_HEANEY) + math.log(SLOPE_MID_HEANEY / SLOPE_LOW_EKWARU)) / 2
ASSAY_CV = 0.10
# A dose change that moves the expected plateau by less than this tells nothing about the response.
MIN_INFORMATIVE_RISE_NG_ML = 1.0
_GRID = [step / 200 for step in range(-600, 601)]  # log s from −3 to 3


@dataclass(frozen=True)
class DatedLevel:
    """One test: the level in ng/mL, when it was taken, and the total daily D3 in the weeks before it."""

    ng_ml: float
    tested_on: date | None
    daily_iu: int


@dataclass(frozen=True)
class PersonalResponse:
    scale: float  # posterior mean of the multiplier on the middle curve: what the dose uses
    measured: float  # the tests alone (weighted least squares, no prior)
    measured_se: float  # its standard error from the assay error
    pairs: int  # informative pairs of tests used

    @property
    def clearly_below(self) -> float:
        """The measured response plus one standard error: below a threshold, it is not assay noise."""
        return self.measured + self.measured_se


def _share_reached(days: float | None) -> float:
    """Share of a dose change's effect reached after ``days`` (None: assume the plateau)."""
    if days is None:
        return 1.0
    return 1 - 0.5 ** (max(days, 0.0) / HALF_LIFE_DAYS)


def personal_response(
    tests: Sequence[DatedLevel], response: DoseResponse, *, days_on_latest_dose: int | None = None
) -> PersonalResponse | None:
    """The posterior multiplier from consecutive pairs of tests (oldest first, the latest last);
    None when no pair is informative (the same dose, or too small a change)."""
    observations = []  # (expected change at s = 1, observed change, its standard deviation)
    for index in range(1, len(tests)):
        before, after = tests[index - 1], tests[index]
        expected_rise = response.rise(after.daily_iu) - response.rise(before.daily_iu)
        days = None
        if index == len(tests) - 1 and days_on_latest_dose is not None:
            days = days_on_latest_dose
        elif before.tested_on is not None and after.tested_on is not None:
            days = (after.tested_on - before.tested_on).days
        expected = expected_rise * _share_reached(days)
        if abs(expected) < MIN_INFORMATIVE_RISE_NG_ML:  # e.g. a test on the day the dose changed
            continue
        sd = ASSAY_CV * math.hypot(before.ng_ml, after.ng_ml)
        observations.append((expected, after.ng_ml - before.ng_ml, sd))
    if not observations:
        return None
    log_weights = []
    for log_s in _GRID:
        s = math.exp(log_s)
        log_weight = -0.5 * (log_s / PRIOR_LOG_SD) ** 2
        for expected, observed, sd in observations:
            log_weight -= 0.5 * ((observed - s * expected) / sd) ** 2
        log_weights.append(log_weight)
    top = max(log_weights)
    weights = [math.exp(w - top) for w in log_weights]
    scale = sum(math.exp(log_s) * w for log_s, w in zip(_GRID, weights, strict=True)) / sum(weights)
    information = sum((expected / sd) ** 2 for expected, _, sd in observations)
    measured = sum(expected * observed / sd**2 for expected, observed, sd in observations) / information
    return PersonalResponse(
        scale=scale, measured=measured, measured_se=1 / math.sqrt(information), pairs=len(observations)
    )
