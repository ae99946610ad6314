"""A person's own vitamin D response, estimated from their dated tests (policy v2).

Pure Python (no Django), like the rest of the engine. Public API (the "My vitamin D" timeline uses it
too): ``DatedLevel`` (one test: date, level in ng/mL, total daily D3 in the weeks before it),
``personal_response(tests, response, current_dose_since=...)`` → ``PersonalResponse`` or None, and
``dose_response_for`` (re-exported from engine_dose) for the BMI-adjusted curve to pass in.

The model: a person's level is their own untreated level B plus s times the rise the middle (Heaney)
curve expects from their doses, s being their response multiplier. Each test measures that with about
10 % assay error. The expected rise at each test follows the doses through first-order kinetics
(half-life about 15 days): the first test is taken as the plateau of its dose, each later dose is taken
from the day after the test before it (or from ``current_dose_since`` for the current dose), so a test
before the plateau counts only the share of the change that had happened. B is unknown and integrated
out (a flat prior), so only the changes between tests carry information, all tests together and with
their shared errors counted once.

The prior on s is log-normal, centred on 1, with the Ekwaru and Vieth curves about one standard
deviation either side. The posterior is evaluated on a grid over log s: its mean is the multiplier the
next dose uses, its 10th and 90th percentiles the 80 % credible interval. ``measured`` and
``measured_se`` are the tests alone (no prior): a non-response is a question for the data, not for a
prior that calls a third of the average response a three-standard-deviation rarity.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .engine_dose import (
    HALF_LIFE_DAYS,
    SLOPE_HIGH_VIETH,
    SLOPE_LOW_EKWARU,
    SLOPE_MID_HEANEY,
    DoseResponse,
    dose_response_for,
)

__all__ = ["DatedLevel", "PersonalResponse", "personal_response", "dose_response_for", "PRIOR_LOG_SD", "ASSAY_CV"]

# Ekwaru (4.8) and Vieth (10) sit about one log-standard-deviation either side of Heaney (7).
PRIOR_LOG_SD = (math.log(SLOPE_HIGH_VIETH / SLOPE_MID_HEANEY) + math.log(SLOPE_MID_HEANEY / SLOPE_LOW_EKWARU)) / 2
ASSAY_CV = 0.10
CREDIBLE_MASS = 0.80
CLEAR_STANDARD_ERRORS = 2.0  # "clearly below": the measured response even this many standard errors higher
# Doses whose expected rises all lie within this of each other tell nothing about the response.
MIN_INFORMATIVE_RISE_NG_ML = 1.0
REFITS = 2  # reweightings by the fitted levels: the second changes s by far less than its standard error
_GRID_STEP = 0.01
_GRID = [step * _GRID_STEP for step in range(-300, 301)]  # log s from −3 to 3: s from 0.05 to 20
_PRIOR_LOG_WEIGHTS = [-0.5 * (log_s / PRIOR_LOG_SD) ** 2 for log_s in _GRID]


@dataclass(frozen=True)
class DatedLevel:
    """One test: when it was taken, the level in ng/mL, and the total daily D3 (all supplement sources)
    taken in the weeks before it."""

    tested_on: date
    ng_ml: float
    d3_daily_iu: int


@dataclass(frozen=True)
class PersonalResponse:
    multiplier: float  # posterior mean of s on the (BMI-adjusted) middle curve: what the dose uses
    low: float  # the 80 % credible interval of s
    high: float
    tests_used: int  # the tests the estimate rests on, the latest included
    measured: float  # the tests alone (weighted least squares, no prior)
    measured_se: float  # its standard error from the assay error
    pending_rise: float  # ng/mL on the middle curve (s = 1) the latest dose has still to add after the latest test

    @property
    def clearly_below(self) -> float:
        """The measured response plus two standard errors: below a threshold, it is not assay noise.

        With one standard error about 1 person in 150 per retest, nearly all within the usual range of response,
        was referred on assay noise alone (bench/personal_dosing.py); with two, a non-mover whose change is too
        small to show it clearly keeps the dose (never a higher one) and the next test settles it."""
        return self.measured + CLEAR_STANDARD_ERRORS * self.measured_se


def _share_reached(days: float) -> float:
    """Share of a dose change's effect reached after ``days`` (first-order, 15-day half-life)."""
    return 1 - 0.5 ** (max(days, 0.0) / HALF_LIFE_DAYS)


def _current_dose_start(tests: Sequence[DatedLevel], since: date | None) -> tuple[int, date] | None:
    """Where the latest dose started: (index of the first test of the run on it, start date), when the
    start date falls between that test and the one before; None to take the day after the test before."""
    if since is None or len(tests) < 2:
        return None
    first = len(tests) - 1
    while first > 0 and tests[first - 1].d3_daily_iu == tests[-1].d3_daily_iu:
        first -= 1
    if first == 0:
        return None
    return first, min(max(since, tests[first - 1].tested_on), tests[first].tested_on)


def expected_rises(
    tests: Sequence[DatedLevel], response: DoseResponse, *, current_dose_since: date | None = None
) -> list[float]:
    """The rise over the untreated level at each test (oldest first) on the middle curve (s = 1)."""
    rise = response.rise
    start = _current_dose_start(tests, current_dose_since)
    levels = [rise(tests[0].d3_daily_iu)]  # the first test: taken as the plateau of its dose
    for index in range(1, len(tests)):
        before, after = tests[index - 1], tests[index]
        changed_on = start[1] if start is not None and start[0] == index else before.tested_on
        state = levels[-1]
        state += (rise(before.d3_daily_iu) - state) * _share_reached((changed_on - before.tested_on).days)
        state += (rise(after.d3_daily_iu) - state) * _share_reached((after.tested_on - changed_on).days)
        levels.append(state)
    return levels


def personal_response(
    tests: Sequence[DatedLevel], response: DoseResponse, *, current_dose_since: date | None = None
) -> PersonalResponse | None:
    """The posterior multiplier from two or more dated tests, in any order (the latest by date is the
    current one); None when the doses say nothing about the response (the same dose before each test,
    or changes too small or too recent to show). ``current_dose_since``: since when the latest dose has
    been taken, when known. Dates must be distinct."""
    ordered = sorted(tests, key=lambda test: test.tested_on)
    if len({test.tested_on for test in ordered}) != len(ordered):
        raise ValueError("Two tests on one day: give each test its own date.")
    if len(ordered) < 2:
        return None
    rises = expected_rises(ordered, response, current_dose_since=current_dose_since)
    if max(rises) - min(rises) < MIN_INFORMATIVE_RISE_NG_ML:
        return None
    levels = [test.ng_ml for test in ordered]
    # The assay error is a share of the true level; weighting by the measured one would favour the tests that
    # happened to read low (and bias s down as tests add up), so the weights come from the fitted levels.
    measured, measured_se, fitted = _weighted_fit(rises, levels, levels)
    for _ in range(REFITS):
        measured, measured_se, fitted = _weighted_fit(rises, levels, fitted)
    log_weights = [
        prior - 0.5 * ((math.exp(log_s) - measured) / measured_se) ** 2
        for log_s, prior in zip(_GRID, _PRIOR_LOG_WEIGHTS, strict=True)
    ]
    top = max(log_weights)
    posterior = [math.exp(w - top) for w in log_weights]
    mass = sum(posterior)
    multiplier = sum(math.exp(log_s) * p for log_s, p in zip(_GRID, posterior, strict=True)) / mass
    tail = (1 - CREDIBLE_MASS) / 2
    return PersonalResponse(
        multiplier=multiplier,
        low=math.exp(_quantile(posterior, mass, tail)),
        high=math.exp(_quantile(posterior, mass, 1 - tail)),
        tests_used=len(ordered),
        measured=measured,
        measured_se=measured_se,
        pending_rise=response.rise(ordered[-1].d3_daily_iu) - rises[-1],
    )


def _weighted_fit(rises: list[float], levels: list[float], expected: list[float]) -> tuple[float, float, list[float]]:
    """Weighted least squares of level = B + s·rise with a sd of ASSAY_CV × ``expected`` per test: (s, its
    standard error, the fitted levels). With B integrated out (flat prior) the likelihood of s is Gaussian with
    this mean and standard error."""
    weights = [1 / (ASSAY_CV * max(level, 1.0)) ** 2 for level in expected]
    total = sum(weights)
    mean_rise = sum(w * r for w, r in zip(weights, rises, strict=True)) / total
    mean_level = sum(w * y for w, y in zip(weights, levels, strict=True)) / total
    sxx = sum(w * (r - mean_rise) ** 2 for w, r in zip(weights, rises, strict=True))
    sxy = sum(w * (r - mean_rise) * (y - mean_level) for w, r, y in zip(weights, rises, levels, strict=True))
    slope = sxy / sxx
    return slope, 1 / math.sqrt(sxx), [mean_level + slope * (r - mean_rise) for r in rises]


def _quantile(posterior: list[float], mass: float, share: float) -> float:
    """log s below which ``share`` of the posterior lies (each grid point holds its cell's mass)."""
    target, cumulative = share * mass, 0.0
    for index, weight in enumerate(posterior):
        if cumulative + weight >= target:
            within = (target - cumulative) / weight  # linear inside the cell
            return _GRID[index] - _GRID_STEP / 2 + within * _GRID_STEP
        cumulative += weight
    return _GRID[-1]
