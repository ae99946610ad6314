"""Vitamin D dose arithmetic for the advisor engine: bands, BMI, dose-response, rounding, projection.

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
# Ekwaru 2014: overweight people respond about 1.5× less, obese people 2–3× less (2.5 = the middle).
BMI_RESPONSE_DIVISOR = {BMI_NORMAL: 1.0, BMI_UNKNOWN: 1.0, BMI_OVERWEIGHT: 1.5, BMI_OBESE: 2.5}


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


@dataclass(frozen=True)
class DoseResponse:
    """ng/mL rise per 1,000 IU/day: the middle estimate for dosing, the other two as the range."""

    low: float
    mid: float
    high: float


def dose_response_for(bmi_cat: str) -> DoseResponse:
    divisor = BMI_RESPONSE_DIVISOR[bmi_cat]
    return DoseResponse(
        low=SLOPE_LOW_EKWARU / divisor, mid=SLOPE_MID_HEANEY / divisor, high=SLOPE_HIGH_VIETH / divisor
    )


def dose_for_rise(rise_ng_ml: float, slope_per_1000_iu: float) -> float:
    """Unrounded extra IU/day expected to raise 25(OH)D by ``rise_ng_ml`` at the given slope."""
    return rise_ng_ml / slope_per_1000_iu * 1000


def round_up_to_step(iu: float, cap: int = ADULT_UL_IU) -> int:
    """Round up to the next 500 IU product step, and down to the cap when rounding up would cross it.

    Rounding up keeps the aimed level reachable and never lands below the current intake.
    """
    stepped = math.ceil(iu / DOSE_STEP_IU) * DOSE_STEP_IU
    return min(stepped, cap)


def aimed_total_dose(*, level_ng_ml: float, current_iu: int, slope_mid: float) -> int:
    """New total daily D3 that should bring the level to AIM_NG_ML, in 500 IU steps, capped at the UL.

    The measured level already reflects the current intake, so the extra dose is added on top of it.
    """
    extra = dose_for_rise(max(AIM_NG_ML - level_ng_ml, 0.0), slope_mid)
    return round_up_to_step(current_iu + extra)


def steady_state(*, level_ng_ml: float, current_iu: int, new_iu: int, slope: float) -> float:
    """Expected plateau after moving from ``current_iu`` to ``new_iu`` a day.

    Linear in the dose change; for a reduction, never below the share of the level the remaining dose
    can explain (level × new/current), which is what it would be with no other vitamin D source.
    """
    linear = level_ng_ml + slope * (new_iu - current_iu) / 1000
    if new_iu < current_iu:
        return max(linear, level_ng_ml * new_iu / current_iu)
    return linear


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
    *, level_ng_ml: float, current_iu: int, new_iu: int, response: DoseResponse
) -> tuple[ProjectionPoint, ...]:
    plateaus = [
        steady_state(level_ng_ml=level_ng_ml, current_iu=current_iu, new_iu=new_iu, slope=slope)
        for slope in (response.low, response.mid, response.high)
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
