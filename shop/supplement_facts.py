"""The Supplement Facts panel: each nutrient's amount per serving and its % Daily Value.

Daily Values are the US label reference amounts (NIH ODS fact sheets): vitamin D 20 mcg (800 IU),
vitamin K 120 mcg. K1 and both K2 forms share the vitamin K value, because the label counts them
all as vitamin K. % DV is rounded to a whole percent, half up, as labels print it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .models import Nutrient, ProductNutrient, vitamin_d_iu

VITAMIN_D_DAILY_VALUE_MCG = Decimal(20)
VITAMIN_K_DAILY_VALUE_MCG = Decimal(120)

DAILY_VALUE_MCG: dict[str, Decimal] = {
    Nutrient.Code.D3: VITAMIN_D_DAILY_VALUE_MCG,
    Nutrient.Code.K2_MK4: VITAMIN_K_DAILY_VALUE_MCG,
    Nutrient.Code.K2_MK7: VITAMIN_K_DAILY_VALUE_MCG,
    Nutrient.Code.K1: VITAMIN_K_DAILY_VALUE_MCG,
}

# How a label names each nutrient and its chemical form.
LABEL_NAMES: dict[str, str] = {
    Nutrient.Code.D3: "Vitamin D3 (as cholecalciferol)",
    Nutrient.Code.K2_MK4: "Vitamin K2 (as menaquinone-4, MK-4)",
    Nutrient.Code.K2_MK7: "Vitamin K2 (as menaquinone-7, MK-7)",
    Nutrient.Code.K1: "Vitamin K1 (as phylloquinone)",
}


@dataclass(frozen=True)
class DailyValue:
    """A nutrient's label Daily Value: in mcg, and in IU for vitamin D (None otherwise)."""

    mcg: Decimal
    iu: int | None


@dataclass(frozen=True)
class FactsRow:
    code: str
    label: str
    amount_mcg: Decimal
    amount_iu: int | None
    percent_daily_value: int


def daily_value(code: str) -> DailyValue:
    mcg = DAILY_VALUE_MCG[code]
    return DailyValue(mcg=mcg, iu=vitamin_d_iu(mcg) if code == Nutrient.Code.D3 else None)


def percent_daily_value(code: str, amount_mcg: Decimal) -> int:
    """A serving's share of the Daily Value, in whole percent (e.g. 25 mcg of D3 -> 125)."""
    return int((amount_mcg * 100 / DAILY_VALUE_MCG[code]).to_integral_value(rounding=ROUND_HALF_UP))


def supplement_facts(amounts: Iterable[ProductNutrient]) -> list[FactsRow]:
    """One row per nutrient of a product's serving, in the product's nutrient order."""
    return [
        FactsRow(
            code=amount.nutrient.code,
            label=LABEL_NAMES.get(amount.nutrient.code, amount.nutrient.name),
            amount_mcg=amount.amount_mcg,
            amount_iu=amount.amount_iu,
            percent_daily_value=percent_daily_value(amount.nutrient.code, amount.amount_mcg),
        )
        for amount in amounts
    ]
