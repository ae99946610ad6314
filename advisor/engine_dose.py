"""Vitamin D dose arithmetic for the advisor engine: bands, BMI, the saturating dose-response, projection.

Pure Python on purpose (no Django): the rules are plain numbers from the domain facts, and keeping them
here lets the engine and its tests run without settings or a database.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

NMOL_L_PER_NG_ML = 2.496  # UCSF lab manual; the ×2.5 shorthand shifts band edges (20 ng/mL = 49.9 nmol/L)
NG_ML_PER_NMOL_L = 1 / NMOL_L_PER_NG_ML
KG_PER_POUND = 0.45359237  # international avoirdupois pound, exact by definition
CM_PER_INCH = 2.54  # exact by definition

ADULT_UL_IU = 4000  # IOM 2011 and EFSA 2023, adults including pregnancy and lactation
DOSE_STEP_IU = 500  # what D3 products offer
AIM_NG_ML = 35.0  # engine choice: comfortably inside 30–50 without aiming high
HALF_LIFE_DAYS = 15.0
PROJECTION_WEEKS = 16

# Rise in 25(OH)D, ng/mL per 1,000 IU/day, for a normal-weight adult at low doses.
SLOPE_LOW_EKWARU = 12.0 / NMOL_L_PER_NG_ML  # Ekwaru 2014: +12.0 nmol/L per 1,000 IU (≈ 4.8 ng/mL)
SLOPE_MID_HEANEY = 7.0  # Heaney 2003: 0.70 nmol/L per mcg/day ≈ 7 ng/mL per 1,000 IU
SLOPE_HIGH_VIETH = 10.0  # Vieth/Heaney rule of thumb: 1 ng/mL per 100 IU

# Level precision: 0.0001 ng/mL is far finer than any lab reports, and coarse enough that converting
# nmol/L back to ng/mL can't leave float noise that tips a value across a band edge.
LEVEL_DECIMALS = 4

BAND_DEFICIENT = "deficient"
BAND_INADEQUATE = "inadequate"
BAND_ADEQUATE = "adequate"
BAND_TARGET = "target"
BAND_HIGH = "high"
BAND_VERY_HIGH = "very_high"
BAND_UNKNOWN = "unknown"
BANDS = (BAND_DEFICIENT, BAND_INADEQUATE, BAND_ADEQUATE, BAND_TARGET, BAND_HIGH, BAND_VERY_HIGH, BAND_UNKNOWN)

BMI_NORMAL = "normal"  # includes underweight: the facts give no separate response for it
BMI_OVERWEIGHT = "overweight"
BMI_OBESE = "obese"
BMI_UNKNOWN = "unknown"
# Ekwaru 2014: overweight people need about 1.5× and obese people 2–3× the dose for the same rise
# (2.5 = the middle).
BMI_DOSE_FACTOR = {BMI_NORMAL: 1.0, BMI_UNKNOWN: 1.0, BMI_OVERWEIGHT: 1.5, BMI_OBESE: 2.5}


def nmol_l_to_ng_ml(value: float) -> float:
    return value / NMOL_L_PER_NG_ML


def ng_ml_to_nmol_l(value: float) -> float:
    return value * NMOL_L_PER_NG_ML


def pounds_to_kg(lb: float) -> float:
    return lb * KG_PER_POUND


def feet_inches_to_cm(feet: float, inches: float) -> float:
    return (feet * 12 + inches) * CM_PER_INCH


def normalise_level(ng_ml: float) -> float:
    return round(ng_ml, LEVEL_DECIMALS)


def band_for_level(ng_ml: float | None) -> str:
    if ng_ml is None:
        return BAND_UNKNOWN
    if ng_ml < 12:
        return BAND_DEFICIENT
    if ng_ml < 20:
        return BAND_INADEQUATE
    if ng_ml < 30:
        return BAND_ADEQUATE
    if ng_ml <= 50:
        return BAND_TARGET
    if ng_ml <= 100:
        return BAND_HIGH
    return BAND_VERY_HIGH


def body_mass_index(weight_kg: float | None, height_cm: float | None) -> float | None:
    """BMI to one decimal, from weight rounded to 0.1 kg and height to 0.1 cm.

    Decimal arithmetic after that rounding makes the result depend only on the rounded inputs, so a
    weight typed in pounds or a height in feet and inches lands on the same BMI (and band) as in kg/cm.
    """
    if weight_kg is None or height_cm is None:
        return None
    weight = Decimal(str(round(weight_kg, 1)))
    height_m = Decimal(str(round(height_cm, 1))) / 100
    return float((weight / (height_m * height_m)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def bmi_category(bmi: float | None) -> str:
    if bmi is None:
        return BMI_UNKNOWN
    if bmi >= 30:
        return BMI_OBESE
    if bmi >= 25:
        return BMI_OVERWEIGHT
    return BMI_NORMAL


# Saturating dose-response (policy v2): the plateau rise from a daily dose d is Δ(d) = A·(1 − e^(−d/k)).
# Ekwaru 2014's rise per 1,000 IU falls from 12 nmol/L near 0 IU/day to 1.1 nmol/L at 15,000–20,000
# IU/day; fitting both gives k ≈ 7,300 IU. A = initial slope × k / 1,000, so the three curves share k.
SATURATION_IU = 7300.0


@dataclass(frozen=True)
class DoseResponse:
    """Three saturating curves (initial slopes in ng/mL per 1,000 IU/day) and the BMI dose factor.

    The middle (Heaney) curve sets the dose; Ekwaru's and Vieth's give the range. Overweight and
    obese people need ``dose_factor`` times the dose for the same rise: Δ_BMI(d) = Δ(d / f).
    """

    low: float
    mid: float
    high: float
    dose_factor: float = 1.0

    def rise(self, daily_iu: float, slope: float | None = None) -> float:
        """Plateau rise in ng/mL from ``daily_iu`` a day, on the curve with this initial slope."""
        initial = self.mid if slope is None else slope
        amplitude = initial * SATURATION_IU / 1000
        return amplitude * (1 - math.exp(-(daily_iu / self.dose_factor) / SATURATION_IU))

    @property
    def slopes(self) -> tuple[float, float, float]:
        return (self.low, self.mid, self.high)

    def scaled(self, scale: float) -> DoseResponse:
        """The three curves multiplied by a person's own response (see engine_history)."""
        return DoseResponse(
            low=self.low * scale, mid=self.mid * scale, high=self.high * scale, dose_factor=self.dose_factor
        )


def dose_response_for(bmi_cat: str) -> DoseResponse:
    return DoseResponse(
        low=SLOPE_LOW_EKWARU, mid=SLOPE_MID_HEANEY, high=SLOPE_HIGH_VIETH, dose_factor=BMI_DOSE_FACTOR[bmi_cat]
    )


def steady_state(
    *, level_ng_ml: float, current_iu: int, new_iu: int, response: DoseResponse, slope: float | None = None
) -> float:
    """Expected plateau after moving from ``current_iu`` to ``new_iu`` a day: level + Δ(new) − Δ(current).

    When the level is below what the current dose alone should have added (Δ(current)), this person
    responds less than the curve: the curve is scaled down to pass through the level (as for a person
    with no other source), so a reduction never projects a level below zero.
    """
    current_rise = response.rise(current_iu, slope)
    if level_ng_ml >= current_rise:
        return level_ng_ml - current_rise + response.rise(new_iu, slope)
    return level_ng_ml / current_rise * response.rise(new_iu, slope)


def plateau_from_early_level(
    *, level_ng_ml: float, daily_iu: int, previous_iu: int, days_on_dose: float, response: DoseResponse
) -> float:
    """The plateau a level measured ``days_on_dose`` after moving from ``previous_iu`` to ``daily_iu``
    a day is heading for: the level has closed (1 − 0.5^(t/15)) of the change Δ(daily) − Δ(previous)
    and the rest is still to come.

    Without earlier tests the dose before is not known and the engine takes it as no supplement (it
    says so): that gives the highest plateau, so the dose chosen from it is the lowest.
    """
    remaining_share = 0.5 ** (max(days_on_dose, 0.0) / HALF_LIFE_DAYS)
    # After a cut the level is still falling; it cannot fall below no vitamin D at all.
    return max(level_ng_ml + (response.rise(daily_iu) - response.rise(previous_iu)) * remaining_share, 0.0)


def dose_steps(cap: int) -> range:
    """The doses products offer, 0 to the cap in 500 IU steps."""
    return range(0, cap + 1, DOSE_STEP_IU)


def aimed_total_dose(
    *, plateau_ng_ml: float, current_iu: int, response: DoseResponse, cap: int = ADULT_UL_IU
) -> int:
    """The smallest total daily D3 (500 IU steps) whose plateau reaches AIM_NG_ML; the cap if none does."""
    for daily_iu in dose_steps(cap):
        reached = steady_state(level_ng_ml=plateau_ng_ml, current_iu=current_iu, new_iu=daily_iu, response=response)
        if reached >= AIM_NG_ML:
            return daily_iu
    return cap


def reduced_total_dose(
    *, plateau_ng_ml: float, current_iu: int, response: DoseResponse, ceiling_ng_ml: float
) -> int:
    """The largest total daily D3 below the current one (500 IU steps) whose plateau is at most the
    ceiling; 0 means stop."""
    for daily_iu in reversed([step for step in dose_steps(ADULT_UL_IU) if step < current_iu]):
        reached = steady_state(level_ng_ml=plateau_ng_ml, current_iu=current_iu, new_iu=daily_iu, response=response)
        if reached <= ceiling_ng_ml:
            return daily_iu
    return 0


@dataclass(frozen=True)
class ProjectionPoint:
    week: int
    ng_ml: float
    low_ng_ml: float
    high_ng_ml: float


def level_after(*, start: float, plateau: float, days: float) -> float:
    """First-order approach to the plateau with a 15-day half-life.

    Written as start + the share of the gap closed so far, so day 0 is exactly the measured level
    (the form ``plateau - gap * 0.5**t`` can land a float-rounding hair off it).
    """
    return start + (plateau - start) * (1 - 0.5 ** (days / HALF_LIFE_DAYS))


def project_levels(
    *, level_ng_ml: float, plateau_ng_ml: float, current_iu: int, new_iu: int, response: DoseResponse
) -> tuple[ProjectionPoint, ...]:
    """Weekly points for 16 weeks from the measured level toward the new plateau on each curve.

    ``plateau_ng_ml`` is where the current dose is heading (the level itself when it was measured at
    plateau); first-order kinetics close the same share of any gap each week, so the path from the
    measured level to the new plateau needs nothing else.
    """
    plateaus = [
        steady_state(level_ng_ml=plateau_ng_ml, current_iu=current_iu, new_iu=new_iu, response=response, slope=slope)
        for slope in response.slopes
    ]
    mid_plateau = plateaus[1]
    low_plateau, high_plateau = min(plateaus), max(plateaus)
    points = []
    for week in range(PROJECTION_WEEKS + 1):
        days = week * 7
        points.append(
            ProjectionPoint(
                week=week,
                ng_ml=round(level_after(start=level_ng_ml, plateau=mid_plateau, days=days), 2),
                low_ng_ml=round(level_after(start=level_ng_ml, plateau=low_plateau, days=days), 2),
                high_ng_ml=round(level_after(start=level_ng_ml, plateau=high_plateau, days=days), 2),
            )
        )
    return tuple(points)
