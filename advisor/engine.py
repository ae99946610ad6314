"""The advisor engine: quiz answers in, a capped and explained D3 + K2 recommendation out.

It implements the shop's advisor policy (version 2) on the domain facts. Pure Python (no Django
import): the web layer validates nothing itself, it builds ``Answers`` (which reports every bad
field at once), calls ``recommend`` and stores ``answers_to_dict`` / ``recommendation_to_dict``.

Where the policy leaves a choice the engine names it in the rationale (source ``SOURCE_ENGINE_CHOICE``).
Results keep the version of the rules that made them (``ENGINE_VERSION``); a stored result of an
older version is shown as it was, never recomputed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from . import engine_dose as dose
from .engine_dose import (
    ADULT_UL_IU,
    AIM_NG_ML,
    BAND_ADEQUATE,
    BAND_DEFICIENT,
    BAND_HIGH,
    BAND_INADEQUATE,
    BAND_TARGET,
    BAND_UNKNOWN,
    BAND_VERY_HIGH,
    NG_ML_PER_NMOL_L,
    ProjectionPoint,
    feet_inches_to_cm,
    nmol_l_to_ng_ml,
    pounds_to_kg,
)
from .engine_history import DatedLevel, PersonalResponse, personal_response

__all__ = [
    "ENGINE_VERSION", "NG_ML_PER_NMOL_L", "CONDITIONS", "MEDICATIONS", "GOALS", "SUN_EXPOSURES",
    "K2_FOOD_FREQUENCIES", "SEXES", "BLOOD_LEVEL_UNITS", "InvalidAnswers", "BloodLevel", "PrescriptionD3",
    "PreviousTest", "Answers", "PersonalDose",
    "D3Dose", "K2Dose", "Warning", "RationaleLine", "Intake", "Plateau", "ProjectionPoint", "Recommendation",
    "recommend", "answers_to_dict", "answers_from_dict", "recommendation_to_dict", "recommendation_from_dict",
    "pounds_to_kg", "feet_inches_to_cm", "nmol_l_to_ng_ml", "format_ng_ml", "level_text",
]

ENGINE_VERSION = "2026.11-3"  # policy version 2; -3: the own response from up to 20 dated tests

CONDITIONS = (
    "pregnant_or_breastfeeding",
    "trying_to_conceive",
    "kidney_disease",
    "high_calcium",
    "hyperparathyroidism",
    "kidney_stones",
    "granulomatous_disease",
    "lymphoma",
    "malabsorption",
    "bleeding_disorder",
)
MEDICATIONS = (
    "vitamin_k_antagonist",
    "other_anticoagulant_or_antiplatelet",
    "thiazide",
    "digoxin",
    "corticosteroid",
    "anticonvulsant",
    "orlistat",
    "bile_acid_sequestrant",
    "statin",
)
# Version 1 listed two medicines among the conditions; those codes stay valid and mean the medicine.
# The v1 "anticoagulants" box read "an anticoagulant such as warfarin, or an antiplatelet drug".
LEGACY_CONDITION_MEDICATIONS = {"anticoagulants": "vitamin_k_antagonist", "thiazide_diuretics": "thiazide"}
CONDITION_CODES = CONDITIONS + tuple(LEGACY_CONDITION_MEDICATIONS)  # every code an answer may carry
BLOOD_THINNERS = frozenset({"vitamin_k_antagonist", "other_anticoagulant_or_antiplatelet"})
GOALS = ("bone", "heart", "general")
SUN_EXPOSURES = ("low", "moderate", "high")
K2_FOOD_FREQUENCIES = ("rarely", "weekly", "daily")
SEXES = ("female", "male", "unspecified")
BLOOD_LEVEL_UNITS = ("ng/mL", "nmol/L")

ADULT_AGE = 18
MAX_CURRENT_D3_IU = 100_000
MAX_PRESCRIPTION_IU = 600_000
PRESCRIPTION_EVERY_DAYS_RANGE = (1, 365)
WEIGHT_RANGE_KG = (20, 400)
HEIGHT_RANGE_CM = (100, 250)
LEVEL_RANGE_NG_ML = (1, 400)
OLDEST_DATE_YEARS = 30  # a test or a dose start older than this is a typo
MAX_PREVIOUS_TESTS = 20
# An own measured response below a third of the BMI-adjusted middle curve refers; "below" means even two
# standard errors of the assay above the measured value (engine choice, engine_history.PersonalResponse
# .clearly_below), so noise alone hardly ever refers.
WEAK_RESPONSE_SCALE = 1 / 3
RETEST_WEEKS = 12
PLATEAU_DAYS = 12 * 7  # a level measured this long after a dose change is taken as the plateau
URGENT_LEVEL_NG_ML = 150
NOAEL_IU = 10_000  # IOM 2011: the no-observed-adverse-effect level behind the 4,000 IU upper limit
NON_RESPONSE_MIN_IU = 2000
NON_RESPONSE_BELOW_NG_ML = 20
HIGH_BAND_REDUCE_TO_NG_ML = 45.0  # engine choice: a reduction aims comfortably back inside 30–50
K2_HIGH_D3_THRESHOLD_IU = 2000
K2_HIGH_DOSE_MCG = 180
K2_AI_MCG = {"female": 90, "male": 120, "unspecified": 100}
K2_NATTO_STEP_DOWN = {180: 120, 120: 90, 100: 90, 90: 90}
MK4_STUDIED_MCG = 1500  # Koitaya 2014: 1.5 mg/day; the 45 mg Japanese drug dose is never an output
NO_TEST_DOSE_STEPS_IU = (1000, 1500, 2000)  # no-test default after 1, 2, 3+ risk points
BAND_THRESHOLDS_NG_ML = (12, 20, 30, 50, 100, 150)

# Sources as the domain facts name them.
SOURCE_IOM = "IOM 2011 (NAP 13050)"
SOURCE_EFSA = "EFSA 2023 UL opinion"
SOURCE_ES_2024 = "Endocrine Society 2024 (Demay et al.)"
SOURCE_EKWARU = "Ekwaru et al., PLoS ONE 2014"
SOURCE_HEANEY = "Heaney et al., AJCN 2003"
SOURCE_VIETH = "Vieth, Vitamin D 3rd ed. 2011 (rule of thumb)"
SOURCE_UCSF = "UCSF lab manual (×2.496)"
SOURCE_SEED = "Seed article: Vitamin D and K2 — better together?"
SOURCE_THEUWISSEN = "Theuwissen et al., J Thromb Haemost 2013"
SOURCE_KOITAYA = "Koitaya et al., J Bone Miner Metab 2014"
SOURCE_KNAPEN = "Knapen et al., Osteoporos Int 2013"
SOURCE_MK7_RCT = "MK-7 RCT 2021 (ChiCTR1800019240)"
SOURCE_K_AI = "IOM 2001 vitamin K adequate intake (NIH ODS)"
SOURCE_ODS_K = "NIH ODS vitamin K fact sheet"
SOURCE_ODS_D = "NIH ODS vitamin D fact sheet"
SOURCE_HALF_LIFE = "NIH ODS vitamin D fact sheet (half-life about 15 days)"
SOURCE_TOXICITY = "Marcinowska-Suchowierska et al., Front Endocrinol 2018"
SOURCE_THIAZIDE = "Examine FAQ: vitamin D drug interactions (2024)"
SOURCE_DIGOXIN = "wellness360 and medx summaries (secondary, low authority)"
SOURCE_KIDNEY = "Friedl & Zitt, Int J Nephrol Renovasc Dis 2017"
SOURCE_GRANULOMA = "IOM 1997 DRI (NAP 5776, p. 285)"
SOURCE_CALCIUM = "AACB review table (PMC7731935)"
SOURCE_CARDIO = "Aging_wiki summary of vitamin K2 trials (secondary)"
SOURCE_ENGINE_CHOICE = "Advisor policy: engine choice"

# Links where the domain facts give one (the presenter shows them next to each line).
SOURCE_URLS = {
    SOURCE_IOM: "https://nap.nationalacademies.org/catalog/13050",
    SOURCE_GRANULOMA: "https://nap.nationalacademies.org/catalog/5776",
    SOURCE_EKWARU: "https://pubmed.ncbi.nlm.nih.gov/25372709/",
    SOURCE_CALCIUM: "https://pmc.ncbi.nlm.nih.gov/articles/PMC7731935/",
    SOURCE_KIDNEY: "https://pmc.ncbi.nlm.nih.gov/articles/PMC5436758/",
    SOURCE_ODS_D: "https://ods.od.nih.gov/factsheets/VitaminD-HealthProfessional/",
    SOURCE_HALF_LIFE: "https://ods.od.nih.gov/factsheets/VitaminD-HealthProfessional/",
    SOURCE_ODS_K: "https://ods.od.nih.gov/factsheets/VitaminK-HealthProfessional/",
    SOURCE_K_AI: "https://ods.od.nih.gov/factsheets/VitaminK-HealthProfessional/",
}

WARNING_URGENT_LEVEL = "urgent_level"
WARNING_CURRENT_ABOVE_UL = "current_above_ul"
WARNING_BLOOD_THINNER = "blood_thinner_tell_prescriber"
WARNING_NO_K2_ANTICOAGULANT = "no_k2_anticoagulant"
WARNING_THIAZIDE = "thiazide_tell_prescriber"
WARNING_REDUCE_D3 = "reduce_d3"
WARNING_ABOVE_NO_TEST_DEFAULT = "above_no_test_default"
WARNING_DOSE_CAPPED = "dose_capped"
WARNING_NOT_AT_PLATEAU = "level_not_at_plateau"
WARNING_POSSIBLE_WEAK_RESPONSE = "possible_weak_response"
WARNING_STATIN = "statin_note"
WARNING_OTHER_SOURCES_ABOVE_DOSE = "other_sources_above_dose"
WARNING_LEVEL_BARELY_MOVED = "level_barely_moved"

THIAZIDE_WARNING = (
    "You take a thiazide diuretic: together with vitamin D it can raise blood calcium. Tell your prescriber "
    "before starting or changing vitamin D."
)
# Soft flags (policy v2): D3 at most the RDA, each with its own "tell your prescriber" line and source.
SOFT_FLAGS: dict[str, tuple[str, str, str]] = {
    # answer code: (warning code, warning, source)
    "thiazide": (WARNING_THIAZIDE, THIAZIDE_WARNING, SOURCE_THIAZIDE),
    "digoxin": (
        "digoxin_tell_prescriber",
        "You take digoxin: if vitamin D raised your blood calcium, the heart rhythm risk of digoxin would rise. "
        "Tell your prescriber before starting or changing vitamin D.",
        SOURCE_DIGOXIN,
    ),
    "corticosteroid": (
        "corticosteroid_tell_prescriber",
        "You take a corticosteroid long-term: it impairs vitamin D metabolism, and low vitamin D is about twice as "
        "common in users. Tell your prescriber, who may want to check your level.",
        SOURCE_THIAZIDE,
    ),
    "anticonvulsant": (
        "anticonvulsant_tell_prescriber",
        "You take an anticonvulsant (such as phenytoin, phenobarbital or carbamazepine): the shop keeps vitamin D at "
        "the RDA with it. Tell your prescriber before starting or changing vitamin D.",
        SOURCE_ENGINE_CHOICE,  # the policy's own soft flag; the facts give no mechanism to cite
    ),
    "orlistat": (
        "orlistat_tell_prescriber",
        "You take orlistat, which lowers the absorption of vitamin D: take vitamin D at least 2 hours apart from "
        "it, and tell your prescriber.",
        SOURCE_THIAZIDE,
    ),
    "bile_acid_sequestrant": (
        "bile_acid_sequestrant_tell_prescriber",
        "You take a bile-acid sequestrant (such as colestyramine), which lowers the absorption of vitamin D: take "
        "vitamin D at least 2 hours apart from it, and tell your prescriber.",
        SOURCE_THIAZIDE,
    ),
    "malabsorption": (
        "malabsorption_tell_clinician",
        "You have a malabsorption condition or had bariatric surgery: vitamin D is absorbed less, and your needs "
        "are your clinician's to judge. Tell your clinician before starting or changing vitamin D.",
        SOURCE_ODS_D,
    ),
}
# Shown right after the referral reasons ("tell your prescriber"), before the other warnings.
PRESCRIBER_WARNING_CODES = frozenset({WARNING_BLOOD_THINNER, *(code for code, _, _ in SOFT_FLAGS.values())})
# K1 foods from the NIH ODS vitamin K table (mcg per serving), for keeping vitamin K intake steady.
STEADY_K1_FOODS = "collards, turnip greens, spinach, kale and broccoli"


class InvalidAnswers(ValueError):
    """Every bad answer at once, as field name -> message (a dotted name for a nested answer)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


@dataclass(frozen=True)
class BloodLevel:
    value: float
    unit: Literal["ng/mL", "nmol/L"]
    tested_on: date | None = None

    @property
    def ng_ml(self) -> float:
        """The level in ng/mL, at the precision every rule uses (see engine_dose.LEVEL_DECIMALS)."""
        if self.unit == "ng/mL":
            return dose.normalise_level(float(self.value))
        if self.unit == "nmol/L":
            return dose.normalise_level(nmol_l_to_ng_ml(float(self.value)))
        raise ValueError(f"Unknown unit {self.unit!r}; use one of {', '.join(BLOOD_LEVEL_UNITS)}.")


@dataclass(frozen=True)
class PrescriptionD3:
    """A vitamin D dose a clinician prescribed, taken every few days (e.g. 50,000 IU every 7 days)."""

    iu: int
    every_days: int

    @property
    def daily_iu(self) -> int:
        """The daily average: 50,000 IU a week is 7,143 IU a day."""
        return round(self.iu / self.every_days)


# An earlier 25(OH)D test: PreviousTest(tested_on, ng_ml, d3_daily_iu), the total vitamin D a day from all
# supplement sources in the weeks before it. The same record as the history module's, so a caller that keeps
# tests (the "My vitamin D" timeline) hands the same objects to recommend() and personal_response().
PreviousTest = DatedLevel


def previous_test_from(*, tested_on: date, value: float, unit: str, d3_daily_iu: int) -> PreviousTest:
    """An earlier test as a lab report gives it (ng/mL or nmol/L), in the engine's ng/mL."""
    return PreviousTest(tested_on, BloodLevel(value, unit).ng_ml, d3_daily_iu)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def _is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_frozenset(value: Any) -> frozenset | None:
    """Accept any collection of names (a form may hand over a list); a bare string is not one."""
    if isinstance(value, frozenset):
        return value
    if isinstance(value, set | list | tuple):
        return frozenset(value)
    return None


@dataclass(frozen=True)
class Answers:
    age: int
    current_d3_iu: int
    sun_exposure: Literal["low", "moderate", "high"] = "moderate"
    k2_food_frequency: Literal["rarely", "weekly", "daily"] = "rarely"
    goals: frozenset[str] = frozenset({"general"})
    conditions: frozenset[str] = frozenset()
    sex: Literal["female", "male", "unspecified"] = "unspecified"
    weight_kg: float | None = None
    height_cm: float | None = None
    blood_level: BloodLevel | None = None
    other_d3_daily_iu: int = 0  # multivitamin, calcium + D, cod-liver oil
    prescription_d3: PrescriptionD3 | None = None
    current_d3_since: date | None = None
    eats_natto_weekly: bool = False
    medications: frozenset[str] = frozenset()
    previous_tests: tuple[PreviousTest, ...] = ()  # any order in; kept oldest first

    def __post_init__(self) -> None:
        if isinstance(self.previous_tests, list):
            object.__setattr__(self, "previous_tests", tuple(self.previous_tests))
        for name in ("goals", "conditions", "medications"):
            as_set = _as_frozenset(getattr(self, name))
            if as_set is not None:
                object.__setattr__(self, name, as_set)
        # The v1 medicine codes among the conditions become the medicines they name.
        if isinstance(self.conditions, frozenset) and isinstance(self.medications, frozenset):
            legacy = self.conditions & set(LEGACY_CONDITION_MEDICATIONS)
            if legacy:
                object.__setattr__(self, "conditions", self.conditions - legacy)
                object.__setattr__(
                    self, "medications", self.medications | {LEGACY_CONDITION_MEDICATIONS[code] for code in legacy}
                )
        errors = _answer_errors(self)
        if errors:
            raise InvalidAnswers(errors)
        # Any order in, oldest first kept (after validation, whose errors name the entries as given): the same
        # tests in another order are the same answers.
        object.__setattr__(self, "previous_tests", tuple(sorted(self.previous_tests, key=lambda t: t.tested_on)))

    @property
    def blood_thinner(self) -> bool:
        """Any anticoagulant or antiplatelet drug, or a clotting or bleeding disorder: never any K2."""
        return bool(self.medications & BLOOD_THINNERS) or "bleeding_disorder" in self.conditions


def _answer_errors(a: Answers) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = date.today()
    if not _is_whole_number(a.age) or not 0 <= a.age <= 120:
        errors["age"] = "Enter your age in whole years, from 0 to 120."
    if not _is_whole_number(a.current_d3_iu) or not 0 <= a.current_d3_iu <= MAX_CURRENT_D3_IU:
        errors["current_d3_iu"] = (
            f"Enter your current daily vitamin D3 from supplements in whole IU, from 0 to {MAX_CURRENT_D3_IU:,}."
        )
    if not _is_whole_number(a.other_d3_daily_iu) or not 0 <= a.other_d3_daily_iu <= MAX_CURRENT_D3_IU:
        errors["other_d3_daily_iu"] = (
            "Enter the vitamin D a day from a multivitamin, calcium + D or cod-liver oil in whole IU, "
            f"from 0 to {MAX_CURRENT_D3_IU:,} (0 if none)."
        )
    prescription_error = _prescription_error(a.prescription_d3)
    if prescription_error:
        errors["prescription_d3"] = prescription_error
    for name, allowed in (
        ("sun_exposure", SUN_EXPOSURES),
        ("k2_food_frequency", K2_FOOD_FREQUENCIES),
        ("sex", SEXES),
    ):
        if getattr(a, name) not in allowed:
            errors[name] = f"Choose one of: {', '.join(allowed)}."
    if not isinstance(a.eats_natto_weekly, bool):
        errors["eats_natto_weekly"] = "Answer yes or no (true or false)."
    if not isinstance(a.goals, frozenset) or not a.goals or not a.goals <= set(GOALS):
        errors["goals"] = f"Choose at least one goal from: {', '.join(GOALS)}."
    if not isinstance(a.conditions, frozenset) or not a.conditions <= set(CONDITION_CODES):
        errors["conditions"] = f"Conditions must come from: {', '.join(CONDITIONS)}."
    if not isinstance(a.medications, frozenset) or not a.medications <= set(MEDICATIONS):
        errors["medications"] = f"Medicines must come from: {', '.join(MEDICATIONS)}."
    for name, (low, high), unit in (
        ("weight_kg", WEIGHT_RANGE_KG, "kg"),
        ("height_cm", HEIGHT_RANGE_CM, "cm"),
    ):
        value = getattr(a, name)
        if value is not None and (not _is_number(value) or not low <= value <= high):
            errors[name] = f"Enter a number from {low} to {high} {unit}, or leave it empty."
    if a.weight_kg is not None and a.height_cm is None and "weight_kg" not in errors:
        # Policy v2: a weight without a height is an error to fix, never silently ignored.
        errors["height_cm"] = "You gave your weight: give your height too (we use them together for BMI)."
    level_error = _blood_level_error(a.blood_level)
    if level_error:
        errors["blood_level"] = level_error
    if isinstance(a.blood_level, BloodLevel) and a.blood_level.tested_on is not None:
        date_error = _past_date_error(a.blood_level.tested_on, today, "the test")
        if date_error:
            errors["blood_level.tested_on"] = date_error
    errors.update(_previous_tests_errors(a, today))
    if a.current_d3_since is not None:
        date_error = _past_date_error(a.current_d3_since, today, "this dose")
        if date_error:
            errors["current_d3_since"] = date_error
        elif a.current_d3_iu == 0:
            errors["current_d3_since"] = "Leave this empty when you take no vitamin D3 supplement."
    return errors


def _past_date_error(value: Any, today: date, what: str) -> str | None:
    if not isinstance(value, date):
        return "Give a date as YYYY-MM-DD."
    if value > today:
        return f"The date of {what} cannot be in the future."
    if value < today - timedelta(days=365 * OLDEST_DATE_YEARS):
        return f"Give a date within the last {OLDEST_DATE_YEARS} years."
    return None


def _previous_tests_errors(a: Answers, today: date) -> dict[str, str]:
    """Each bad earlier test named by its place in the answer (0-based, as given): previous_tests[3].tested_on."""
    tests = a.previous_tests
    if not isinstance(tests, tuple) or not all(isinstance(test, PreviousTest) for test in tests):
        return {
            "previous_tests": "Give each earlier test as a date, a value, a unit and the vitamin D a day before it."
        }
    if not tests:
        return {}
    if len(tests) > MAX_PREVIOUS_TESTS:
        return {"previous_tests": f"Give at most {MAX_PREVIOUS_TESTS} earlier tests."}
    if not isinstance(a.blood_level, BloodLevel):
        return {"previous_tests": "Give your latest test as the blood level first; earlier tests come with it."}
    errors: dict[str, str] = {}
    latest = a.blood_level.tested_on
    if latest is None:
        errors["blood_level.tested_on"] = "Give the date of your latest test: your earlier tests are compared with it."
    first_on_day: dict[date, int] = {}
    for index, test in enumerate(tests):
        name = f"previous_tests[{index}]"
        level_error = _level_error(test.ng_ml)
        if level_error:
            errors[f"{name}.value"] = level_error
        if not _is_whole_number(test.d3_daily_iu) or not 0 <= test.d3_daily_iu <= MAX_CURRENT_D3_IU:
            errors[f"{name}.d3_daily_iu"] = (
                f"Give the vitamin D a day before this test in whole IU, from 0 to {MAX_CURRENT_D3_IU:,}."
            )
        date_error = _past_date_error(test.tested_on, today, "a test")
        if date_error is None and isinstance(latest, date) and test.tested_on >= latest:
            date_error = f"An earlier test must be before your latest test ({latest.isoformat()})."
        if date_error is None and test.tested_on in first_on_day:
            date_error = (
                f"Two tests on one day: previous_tests[{first_on_day[test.tested_on]}] has the same date; "
                "give each test once."
            )
        if date_error:
            errors[f"{name}.tested_on"] = date_error
        elif isinstance(test.tested_on, date):
            first_on_day[test.tested_on] = index
    return errors


def _prescription_error(prescription: Any) -> str | None:
    if prescription is None:
        return None
    if not isinstance(prescription, PrescriptionD3):
        return "Give the prescribed dose as IU and every how many days."
    low_days, high_days = PRESCRIPTION_EVERY_DAYS_RANGE
    if not _is_whole_number(prescription.iu) or not 1 <= prescription.iu <= MAX_PRESCRIPTION_IU:
        return f"Enter the prescribed dose in whole IU, from 1 to {MAX_PRESCRIPTION_IU:,}."
    if not _is_whole_number(prescription.every_days) or not low_days <= prescription.every_days <= high_days:
        return f"Enter every how many days you take it, from {low_days} to {high_days}."
    return None


def _blood_level_error(level: Any) -> str | None:
    if level is None:
        return None
    if not isinstance(level, BloodLevel):
        return "Give the blood level as a value and a unit."
    if level.unit not in BLOOD_LEVEL_UNITS:
        return f"Choose the unit your lab report uses: {' or '.join(BLOOD_LEVEL_UNITS)}."
    if not _is_number(level.value):
        return "Enter the 25(OH)D value as a number."
    return _level_error(level.ng_ml)


def _level_error(ng_ml: Any) -> str | None:
    if not _is_number(ng_ml):
        return "Enter the 25(OH)D value as a number."
    low, high = LEVEL_RANGE_NG_ML
    if not low <= ng_ml <= high:
        return (
            f"A 25(OH)D level must be between {low} and {high} ng/mL "
            f"({dose.ng_ml_to_nmol_l(low):.1f} to {dose.ng_ml_to_nmol_l(high):.1f} nmol/L); check the value and unit."
        )
    return None


@dataclass(frozen=True)
class D3Dose:
    daily_iu: int

    @property
    def daily_mcg(self) -> float:
        return self.daily_iu / 40  # 1 mcg = 40 IU


@dataclass(frozen=True)
class K2Dose:
    form: Literal["MK-7", "MK-4"]
    daily_mcg: int


@dataclass(frozen=True)
class Warning:  # the contract's name; this module never needs the builtin of the same name
    code: str
    message: str


@dataclass(frozen=True)
class RationaleLine:
    text: str
    source: str
    internal: bool = False  # an engine detail (model constants, rounding), shown apart from the "why"


@dataclass(frozen=True)
class Intake:
    """All the vitamin D a person takes now, in IU a day."""

    supplement_iu: int
    other_iu: int
    prescription_daily_iu: int

    @property
    def total_iu(self) -> int:
        return self.supplement_iu + self.other_iu + self.prescription_daily_iu


@dataclass(frozen=True)
class Plateau:
    """Where the recommended dose should bring the level (middle curve), and whether a cap held it back."""

    ng_ml: float
    capped: bool
    text: str


@dataclass(frozen=True)
class PersonalDose:
    """How the person's own dated tests moved the dose (policy v2, personal dose-response)."""

    multiplier: float  # posterior mean of the own response on the middle curve (1 = average)
    low: float  # its 80 % credible interval
    high: float
    tests_used: int  # the latest test included
    population_d3_iu: int | None  # what the population formula gives for the same answers
    text: str  # one plain sentence: how much the own history moved the dose


@dataclass(frozen=True)
class Recommendation:
    engine_version: str
    refer_to_clinician: bool
    referral_reasons: tuple[str, ...]  # urgent first
    band: str
    d3: D3Dose | None  # the new total a day from all supplement sources
    k2: K2Dose | None
    k2_alternative: K2Dose | None
    warnings: tuple[Warning, ...]
    rationale: tuple[RationaleLine, ...]
    retest_after_weeks: int | None
    projection: tuple[ProjectionPoint, ...] | None
    food_nutrients: tuple[str, ...]
    products_allowed: bool
    max_d3_iu_per_serving: int | None  # the most D3 a day the offered products may give together
    max_k2_mcg_per_serving: int | None  # the most K2 a day the offered products may give together
    urgent: bool = False
    clinician_questions: tuple[str, ...] = ()
    intake: Intake | None = None
    d3_from_products_iu: int | None = None  # what products should add; None = no product adds vitamin D
    d3_change: str | None = None  # what to change, in plain words
    plateau: Plateau | None = None
    food_note: str | None = None
    personal: PersonalDose | None = None  # only when the person's own tests say something about their response


# --- recommendation ---------------------------------------------------------------------------------


def format_ng_ml(ng_ml: float) -> str:
    """A level in ng/mL to one decimal, or more where one decimal would land on a band edge it is not on
    (29.95 nmol/L is 11.999 ng/mL: "12.0" next to "below 12 ng/mL" would contradict itself)."""
    for decimals in (1, 2, 3, 4):
        text = f"{ng_ml:.{decimals}f}"
        shown = float(text)
        if shown not in BAND_THRESHOLDS_NG_ML or math.isclose(shown, ng_ml, abs_tol=1e-9):
            return text
    return f"{ng_ml:.4f}"


def level_text(level: BloodLevel) -> str:
    """The level as typed first, then in the other unit, so the text matches the lab report."""
    if level.unit == "nmol/L":
        return f"{level.value:g} nmol/L ({format_ng_ml(level.ng_ml)} ng/mL)"
    return f"{format_ng_ml(level.ng_ml)} ng/mL ({dose.ng_ml_to_nmol_l(level.ng_ml):.1f} nmol/L)"


def rda_iu_for_age(age: int) -> int:
    return 800 if age > 70 else 600


def _iu(value: int) -> str:
    return f"{value:,} IU"


@dataclass
class _Draft:
    """What the rules add up while they run; frozen into a Recommendation at the end."""

    referral_reasons: list[str] = field(default_factory=list)
    clinician_questions: list[str] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    rationale: list[RationaleLine] = field(default_factory=list)

    def because(self, text: str, source: str, *, internal: bool = False) -> None:
        self.rationale.append(RationaleLine(text, source, internal))

    def warn(self, code: str, message: str) -> None:
        self.warnings.append(Warning(code, message))

    def refer(self, reason: str, question: str) -> None:
        self.referral_reasons.append(reason)
        self.clinician_questions.append(question)


@dataclass(frozen=True)
class _Stop:
    reason: str
    question: str
    rationale: str
    source: str
    urgent: bool = False


@dataclass(frozen=True)
class _Situation:
    """What the rules need to know about a person, worked out once."""

    a: Answers
    today: date
    level: BloodLevel | None
    band: str
    rda: int
    intake: Intake
    response: dose.DoseResponse
    bmi: float | None
    plateau_level: float | None  # the level the current intake is heading for
    days_on_dose: int | None  # at the test, when both dates are known
    non_response: bool
    personal: PersonalResponse | None  # the person's own response from dated tests
    barely_moved: bool  # own tests: the level moved less than a third of the expected, not clearly enough to refer
    days_to_plateau_from: int | None  # days on the latest dose used to project the plateau (None: at plateau)

    @property
    def ng_ml(self) -> float | None:
        return self.level.ng_ml if self.level is not None else None


def _situation(a: Answers, today: date, *, use_history: bool = True) -> _Situation:
    """What the rules need; ``use_history=False`` gives the population formula's view of the same answers."""
    level = a.blood_level
    ng_ml = level.ng_ml if level is not None else None
    intake = Intake(
        supplement_iu=a.current_d3_iu,
        other_iu=a.other_d3_daily_iu,
        prescription_daily_iu=a.prescription_d3.daily_iu if a.prescription_d3 else 0,
    )
    bmi = dose.body_mass_index(a.weight_kg, a.height_cm)
    response = dose.dose_response_for(dose.bmi_category(bmi))
    days_on_dose = None
    if level is not None and a.current_d3_since is not None:
        days_on_dose = ((level.tested_on or today) - a.current_d3_since).days
    history = list(a.previous_tests) if use_history else []  # oldest first (Answers sorts them)
    personal = None
    if level is not None and level.tested_on is not None and history:
        tests = [*history, DatedLevel(level.tested_on, ng_ml, intake.total_iu)]
        personal = personal_response(tests, response, current_dose_since=a.current_d3_since)
        if personal is not None:
            response = response.scaled(personal.multiplier)
    # Days on the latest dose at the test: from its start date, else (a dose changed since the test before)
    # from that test, the kinetics' own assumption.
    days_on_latest = days_on_dose
    if days_on_latest is None and history and history[-1].d3_daily_iu != intake.total_iu:
        days_on_latest = (level.tested_on - history[-1].tested_on).days
    plateau_level = ng_ml
    projected = ng_ml is not None and level.tested_on is not None and days_on_latest is not None
    if projected and days_on_latest < PLATEAU_DAYS:
        if personal is not None:
            # The kinetics over the whole history say what the latest dose has still to add.
            plateau_level = max(ng_ml + personal.multiplier * personal.pending_rise, 0.0)
        else:
            # The dose before: the one before the previous test if there is one, else no supplement (said so).
            previous_iu = history[-1].d3_daily_iu if history else intake.total_iu - a.current_d3_iu
            plateau_level = dose.plateau_from_early_level(
                level_ng_ml=ng_ml, daily_iu=intake.total_iu, previous_iu=previous_iu, days_on_dose=days_on_latest,
                response=response,
            )
    # Engine choice: a weak own response matters only to someone still below the target band.
    weak_own = personal is not None and ng_ml < 30
    non_response = ng_ml is not None and (
        (
            ng_ml < NON_RESPONSE_BELOW_NG_ML
            and intake.total_iu >= NON_RESPONSE_MIN_IU
            and a.current_d3_iu > 0
            and days_on_dose is not None
            and days_on_dose >= PLATEAU_DAYS
        )
        or (weak_own and personal.clearly_below < WEAK_RESPONSE_SCALE)
    )
    return _Situation(
        a=a, today=today, level=level, band=dose.band_for_level(ng_ml), rda=rda_iu_for_age(a.age), intake=intake,
        response=response, bmi=bmi, plateau_level=plateau_level, days_on_dose=days_on_dose,
        non_response=non_response, personal=personal,
        # Below a third, and an average response is at least a standard error away: a change too small to show
        # anything through the assay error is no sign of a non-mover.
        barely_moved=(
            weak_own and not non_response and personal.measured < WEAK_RESPONSE_SCALE
            and personal.measured + personal.measured_se < 1
        ),
        days_to_plateau_from=days_on_latest if plateau_level != ng_ml else None,
    )


_CONDITION_STOPS: tuple[tuple[str, _Stop], ...] = (
    ("pregnant_or_breastfeeding", _Stop(
        "You are pregnant or breastfeeding. Vitamin D is appropriate in pregnancy, but the dose and any K2 belong "
        "to your prenatal care, and there is no authoritative safety statement for K2 supplements in pregnancy.",
        "Ask your midwife or obstetrician: which vitamin D dose suits me, and should I take any K2?",
        "Pregnancy or breastfeeding: the dose is for prenatal care to decide; no D3 + K2 pair is offered.",
        SOURCE_IOM,
    )),
    ("trying_to_conceive", _Stop(
        "You are trying to conceive. The vitamin D dose and any K2 belong to your prenatal care, and there is no "
        "authoritative safety statement for K2 supplements in pregnancy.",
        "Ask your doctor or midwife: which vitamin D dose suits me while trying to conceive, and should I take K2?",
        "Trying to conceive: the dose is for prenatal care to decide; no D3 + K2 pair is offered.",
        SOURCE_IOM,
    )),
    ("kidney_disease", _Stop(
        "You have kidney disease. The kidneys handle vitamin D, and supplementing it is part of kidney care that "
        "your clinician manages.",
        "Ask your kidney doctor: should I take vitamin D, in which form and dose?",
        "Kidney disease: vitamin D supplementation is clinician-managed; no dose and no product.",
        SOURCE_KIDNEY,
    )),
    ("high_calcium", _Stop(
        "You have high blood calcium. The vitamin D upper limit does not apply to you, and vitamin D can raise "
        "calcium further.",
        "Ask your clinician: is any vitamin D supplement safe for me?",
        "High blood calcium: the upper limit is for healthy people only; no dose and no product.",
        SOURCE_CALCIUM,
    )),
    ("hyperparathyroidism", _Stop(
        "You have primary hyperparathyroidism. The vitamin D upper limit does not apply to you, and vitamin D "
        "can raise calcium further.",
        "Ask your clinician: should I take vitamin D, and how should my calcium be checked?",
        "Primary hyperparathyroidism: the upper limit is for healthy people only; no dose and no product.",
        SOURCE_CALCIUM,
    )),
    ("kidney_stones", _Stop(
        "You have had calcium kidney stones. Vitamin D raises calcium in the blood and urine, and too much of it "
        "causes kidney stones.",
        "Ask your clinician: is vitamin D safe for me, and at what dose?",
        "Calcium kidney stones: kidney stones are a sign of too much vitamin D; no dose and no product.",
        SOURCE_TOXICITY,
    )),
    ("granulomatous_disease", _Stop(
        "You have sarcoidosis or another granulomatous disease. In these conditions even modest vitamin D can "
        "raise blood calcium.",
        "Ask your clinician: should I take vitamin D at all, and how should my calcium be checked?",
        "Granulomatous disease: hypercalcaemia can occur at normal or low vitamin D intakes; no dose.",
        SOURCE_GRANULOMA,
    )),
    ("lymphoma", _Stop(
        "You have lymphoma. Some lymphomas make active vitamin D themselves, so even modest vitamin D can raise "
        "blood calcium.",
        "Ask your oncology team: should I take vitamin D at all, and how should my calcium be checked?",
        "Lymphoma: some lymphomas cause hypercalcaemia on their own; no dose and no product.",
        SOURCE_TOXICITY,
    )),
)


def _hard_stops(s: _Situation) -> list[_Stop]:
    """Every hard stop that fires, in policy order; the urgent one is moved first by the caller."""
    a, ng_ml, intake = s.a, s.ng_ml, s.intake
    stops = []
    if a.age < ADULT_AGE:
        stops.append(_Stop(
            "You are under 18. This advisor is for adults: children and teenagers have their own upper limits, "
            "and the shop leaves their vitamin D to a paediatrician.",
            "Ask a paediatrician: is a vitamin D supplement needed, and at what dose?",
            "Under 18: the shop's quiz is for adults only and offers no dose and no product. (The Endocrine Society "
            "2024 suggests vitamin D for ages 1–18, at about 1,200 IU/day in trials; that is a paediatrician's "
            "call, not the shop's.)",
            SOURCE_ES_2024,
        ))
    stops.extend(stop for code, stop in _CONDITION_STOPS if code in a.conditions)
    if ng_ml is not None and ng_ml > 100:
        shown = level_text(s.level)
        if ng_ml > URGENT_LEVEL_NG_ML:
            stops.append(_Stop(
                f"Urgent: your 25(OH)D of {shown} is above 150 ng/mL, the marker of vitamin D toxicity. Stop "
                "taking vitamin D and see a clinician today; go to an emergency service now if you have vomiting, "
                "confusion, abdominal pain, a lot of thirst or passing a lot of urine.",
                "Ask: is my blood calcium too high, and what should I do about the vitamin D I have taken?",
                "A level above 150 ng/mL marks vitamin D toxicity (high blood calcium): urgent referral, no D3.",
                SOURCE_TOXICITY,
                urgent=True,
            ))
        else:
            stops.append(_Stop(
                f"Your 25(OH)D of {shown} is above 100 ng/mL, a level labs flag to avoid. Stop adding "
                "vitamin D and see a clinician.",
                "Ask: what is behind this level, and should my calcium be checked?",
                "A level above 100 ng/mL: no added D3 and a referral.",
                SOURCE_UCSF,
            ))
    if s.non_response:
        if s.personal is not None and s.personal.clearly_below < WEAK_RESPONSE_SCALE and s.ng_ml < 30:
            measured = (
                f"Your own tests show your level rising less than a third as much as expected for the doses you "
                f"took (now {level_text(s.level)})."
            )
        else:
            measured = (
                f"You have taken {_iu(intake.total_iu)} of vitamin D a day for about {s.days_on_dose // 7} weeks "
                f"and your level is still {level_text(s.level)}, below 20 ng/mL."
            )
        stops.append(_Stop(
            f"{measured} That is a weak response: the cause may be "
            "malabsorption (such as coeliac disease, Crohn's disease or bariatric surgery), a medicine, missed "
            "doses, or simply how your body responds. The shop cannot go above the upper limit, so a clinician "
            "decides what to do.",
            "Ask: why has my level not risen, should the cause be looked for, and what dose should I take?",
            "Non-response (at least 2,000 IU/day for 12 weeks or more and still below 20 ng/mL, or an own response "
            "below a third of the expected): referral, no higher dose sold.",
            SOURCE_EKWARU,
        ))
    if a.prescription_d3 is not None:
        p = a.prescription_d3
        stops.append(_Stop(
            f"You take a prescribed vitamin D dose ({_iu(p.iu)} every {p.every_days} days, about {_iu(p.daily_iu)} a "
            "day on average). Your prescriber decides your vitamin D: do not add a supplement without asking them.",
            "Ask your prescriber: with this prescription, should I take any other vitamin D, and when should my "
            "level be checked?",
            "A prescribed vitamin D dose: the prescriber decides; no dose and no product.",
            SOURCE_ENGINE_CHOICE,
        ))
    if intake.total_iu >= NOAEL_IU:
        stops.append(_Stop(
            f"You take about {_iu(intake.total_iu)} of vitamin D a day in total ({_intake_breakdown(intake)}), at or "
            "above 10,000 IU/day, the highest intake the IOM found without adverse effects. Do not add any "
            "vitamin D; the upper limit for adults is 4,000 IU/day from all sources.",
            "Ask your clinician: should I bring my total vitamin D down to 4,000 IU a day or less, and should my "
            "level and calcium be checked?",
            "10,000 IU/day or more from all sources (the IOM's no-adverse-effect level): referral, no dose.",
            SOURCE_IOM,
        ))
    return stops


def _intake_breakdown(intake: Intake) -> str:
    parts = []
    if intake.supplement_iu:
        parts.append(f"{_iu(intake.supplement_iu)} from a D3 supplement")
    if intake.other_iu:
        parts.append(f"{_iu(intake.other_iu)} from a multivitamin, calcium + D or cod-liver oil")
    if intake.prescription_daily_iu:
        parts.append(f"about {_iu(intake.prescription_daily_iu)} a day from the prescription")
    return ", ".join(parts) or "none"


def _explain_level(draft: _Draft, s: _Situation, *, referred: bool) -> None:
    if s.level is None:
        if not referred:
            draft.because(
                "No blood test was given, so the advisor suggests a conservative dose between 600 and 2,000 "
                "IU/day. The Endocrine Society 2024 advises healthy adults under 75 to stay near the RDA without "
                "routine testing; a first 25(OH)D test would let the advisor estimate a dose for you, so ask a "
                "clinician whether one is worthwhile. Higher doses are a choice to discuss with a clinician, not a "
                "promise.",
                SOURCE_ES_2024,
            )
        return
    draft.because(f"Your 25(OH)D is {level_text(s.level)}.", SOURCE_UCSF)
    draft.because(
        f"Levels are compared in ng/mL: nmol/L ÷ {dose.NMOL_L_PER_NG_ML}.", SOURCE_UCSF, internal=True
    )
    meaning = {
        BAND_DEFICIENT: ("Below 12 ng/mL is the range where bone-health deficiency is a risk.", SOURCE_IOM),
        BAND_INADEQUATE: ("12 to under 20 ng/mL is inadequate for some people.", SOURCE_IOM),
        BAND_ADEQUATE: (
            "20 to under 30 ng/mL is adequate for bone health by IOM 2011, and below the 30–50 ng/mL target "
            "many health professionals use.",
            SOURCE_IOM,
        ),
        BAND_TARGET: ("30 to 50 ng/mL is the goal range many health professionals use.", SOURCE_SEED),
        BAND_HIGH: ("Above 50 ng/mL may be a concern (IOM 2011 calls it possibly harmful).", SOURCE_IOM),
        BAND_VERY_HIGH: ("Above 100 ng/mL is a level labs flag to avoid.", SOURCE_UCSF),
    }[s.band]
    draft.because(*meaning)


def _explain_timing(draft: _Draft, s: _Situation) -> None:
    """Policy v2: say whether the level is taken as the plateau of the current intake, and why."""
    if s.level is None or s.intake.total_iu == 0:
        return
    if s.days_to_plateau_from is not None:
        if s.a.previous_tests:
            before = "from your earlier tests and the doses before them"
        else:
            before = "assuming you took no vitamin D3 supplement before"
        draft.warn(
            WARNING_NOT_AT_PLATEAU,
            f"Your test was taken about {max(s.days_to_plateau_from, 0) // 7} weeks after you started "
            f"{_iu(s.intake.total_iu)} a day, before the level settles (about 12 weeks). The advisor expects it to "
            f"reach about {s.plateau_level:.0f} ng/mL on this dose, {before}, and chooses the dose from that.",
        )
        draft.because(
            "25(OH)D takes about 12 weeks to settle after a dose change (half-life about 15 days), so an earlier "
            "test is projected to its plateau before a dose is chosen.",
            SOURCE_HALF_LIFE,
            internal=True,
        )
    elif s.days_on_dose is None:
        draft.because(
            "The estimate assumes your test was taken after at least 12 weeks on your current vitamin D, when the "
            "level has settled; if you changed your dose less than 12 weeks before the test, give the dates.",
            SOURCE_HALF_LIFE,
            internal=True,
        )
        if s.ng_ml < NON_RESPONSE_BELOW_NG_ML and s.intake.total_iu >= NON_RESPONSE_MIN_IU:
            draft.warn(
                WARNING_POSSIBLE_WEAK_RESPONSE,
                f"If you have taken {_iu(s.intake.total_iu)} a day for 12 weeks or more, a level still below 20 "
                "ng/mL is a weak response that a clinician should look into (the cause may be malabsorption, a "
                "medicine or missed doses). Give the date you started and the advisor will say so plainly.",
            )


def _no_test_dose(draft: _Draft, s: _Situation, cap: int) -> int:
    """Engine choice: the RDA, raised one 500 IU step per risk point, capped at 2,000 IU (and at the cap)."""
    a, rda = s.a, s.rda
    bmi_cat = dose.bmi_category(s.bmi)
    points: list[str] = []
    if a.age >= 75:
        points.append("age 75 or over")
    if bmi_cat == dose.BMI_OBESE:
        points.extend(["BMI 30 or over (counts twice: the same dose raises the level 2–3 times less)"] * 2)
    count = len(points) - (1 if a.sun_exposure == "high" else 0)
    daily_iu = rda if count <= 0 else NO_TEST_DOSE_STEPS_IU[min(count, len(NO_TEST_DOSE_STEPS_IU)) - 1]
    daily_iu = min(daily_iu, cap)
    draft.because(
        f"Without a test the dose starts at the RDA for your age ({_iu(rda)}/day) and rises one step per risk "
        "point (1,000, 1,500, then at most 2,000 IU/day); a lot of sun takes one point away. "
        f"Risk points here: {', '.join(dict.fromkeys(points)) or 'none'}"
        f"{'; a lot of sun: minus one' if a.sun_exposure == 'high' else ''}.",
        SOURCE_ENGINE_CHOICE,
    )
    draft.because(
        "The RDA (600 IU/day, 800 IU/day over 70) already assumes minimal sun, so little sun does not raise the "
        "dose; it is meant to keep 97.5% of people at 20 ng/mL or more.",
        SOURCE_IOM,
    )
    if s.intake.total_iu > daily_iu:
        draft.warn(
            WARNING_ABOVE_NO_TEST_DEFAULT,
            f"You take {_iu(s.intake.total_iu)}/day, more than this no-test default of {_iu(daily_iu)}/day. Higher "
            "doses are a choice to discuss with a clinician, ideally with a blood test.",
        )
    return daily_iu


def _explain_bmi(draft: _Draft, s: _Situation) -> None:
    category = dose.bmi_category(s.bmi)
    if category in (dose.BMI_OVERWEIGHT, dose.BMI_OBESE):
        factor = dose.BMI_DOSE_FACTOR[category]
        choice = " (Ekwaru found 2–3 times; the advisor uses 2.5, the middle)" if category == dose.BMI_OBESE else ""
        draft.because(
            f"BMI {s.bmi:.1f} ({category}): the same rise in the level needs about {factor:g} times the dose{choice}. "
            "The dose still never goes above 4,000 IU/day.",
            SOURCE_EKWARU,
        )


def _explain_history(draft: _Draft, s: _Situation) -> None:
    if s.personal is None:
        if s.a.previous_tests:
            draft.because(
                "Your earlier tests were taken on about the same dose, so they say nothing yet about how you respond; "
                "the estimate is the average one.",
                SOURCE_ENGINE_CHOICE,
            )
        return
    p = s.personal
    draft.because(
        f"Own response: {p.multiplier:.2f} times the middle curve (80 % credible interval {p.low:.2f}–{p.high:.2f}), "
        f"the posterior mean of a log-normal prior (centred on 1, SD {math.log(10 / 7):.2f}) and {p.tests_used} "
        "dated tests with 10 % assay error, with the kinetics (half-life 15 days) for tests before the plateau.",
        SOURCE_ENGINE_CHOICE,
        internal=True,
    )


def _explain_model(draft: _Draft, s: _Situation) -> None:
    r = s.response
    draft.because(
        "The rise in the level flattens as the dose grows (each extra 1,000 IU adds less), so the estimate uses "
        "a curve that levels off, not a straight line; people differ, so it is an estimate, not a promise.",
        SOURCE_EKWARU,
        internal=True,
    )
    draft.because(
        f"Model: rise(d) = A·(1 − e^(−d/{dose.SATURATION_IU:,.0f} IU)) with initial slopes of {r.low:.1f} "
        f"(Ekwaru), {r.mid:.1f} (Heaney, used for the dose) and {r.high:.1f} (Vieth) ng/mL per 1,000 IU/day"
        f"{f', and the dose divided by {r.dose_factor:g} for BMI' if r.dose_factor != 1 else ''}.",
        SOURCE_HEANEY,
        internal=True,
    )
    draft.because(
        "Doses are the smallest step of 500 IU (what products offer) expected to reach the aim, never above "
        "the cap.",
        SOURCE_ENGINE_CHOICE,
        internal=True,
    )


def _capped_plateau_warning(draft: _Draft, s: _Situation, d3_iu: int, cap_name: str) -> Plateau:
    plateau = dose.steady_state(
        level_ng_ml=s.plateau_level, current_iu=s.intake.total_iu, new_iu=d3_iu, response=s.response
    )
    short = " That may fall short of 30 ng/mL." if plateau < 30 else ""
    text = (
        f"At {_iu(d3_iu)}/day ({cap_name}) your level is expected to level off around {plateau:.0f} ng/mL "
        f"(middle estimate).{short}"
    )
    draft.warn(WARNING_DOSE_CAPPED, f"{text} The advisor cannot go higher; a clinician can look at why and decide.")
    return Plateau(ng_ml=round(plateau, 1), capped=True, text=text)


def _d3_for_band(draft: _Draft, s: _Situation, cap: int, cap_name: str) -> tuple[int | None, Plateau | None]:
    """The new total daily D3 for a person with no hard stop, and its expected plateau; None = no D3."""
    total = s.intake.total_iu
    if s.band == BAND_UNKNOWN:
        return _no_test_dose(draft, s, cap), None
    if s.band in (BAND_DEFICIENT, BAND_INADEQUATE, BAND_ADEQUATE):
        _explain_bmi(draft, s)
        _explain_history(draft, s)
        _explain_model(draft, s)
        if s.band == BAND_DEFICIENT:
            draft.because(
                "Below 12 ng/mL the dose is shown only as information for the talk with your clinician, within "
                "the adult upper limit; no products are offered, because repletion is the clinician's (engine "
                "choice).",
                SOURCE_ENGINE_CHOICE,
            )
        if s.barely_moved:
            draft.warn(
                WARNING_LEVEL_BARELY_MOVED,
                "Your earlier tests show your level hardly moved with the doses you took, so the advisor does not "
                f"raise your dose. Retest in about {RETEST_WEEKS} weeks; if it still has not moved, see a clinician "
                "(the cause may be malabsorption, a medicine, missed doses or simply how your body responds).",
            )
            return (min(total, cap) or None), None
        if s.plateau_level >= 30 and total <= cap:
            draft.because(
                "On your current intake your level is expected to settle inside 30–50 ng/mL, so the advisor keeps "
                "it and does not raise it.",
                SOURCE_HALF_LIFE,
            )
            return (total or None), None
        daily_iu = dose.aimed_total_dose(
            plateau_ng_ml=s.plateau_level, current_iu=total, response=s.response, cap=cap
        )
        plateau = dose.steady_state(
            level_ng_ml=s.plateau_level, current_iu=total, new_iu=daily_iu, response=s.response
        )
        if plateau < AIM_NG_ML:
            return daily_iu, _capped_plateau_warning(draft, s, daily_iu, cap_name)
        draft.because(
            f"The dose should bring your level to about {AIM_NG_ML:g} ng/mL, inside 30–50 without aiming high (the "
            "shop's own choice); it is your new total from all supplements, not an addition.",
            SOURCE_ENGINE_CHOICE,
        )
        return daily_iu, Plateau(
            ng_ml=round(plateau, 1), capped=False,
            text=f"Expected to level off around {plateau:.0f} ng/mL (middle estimate) after about 12 weeks.",
        )
    if s.band == BAND_TARGET:
        if total == 0:
            draft.because(
                "Your level is already in the target range without a supplement, so the advisor adds no D3 "
                "(the shop's own choice: none rather than up to 1,000 IU/day).",
                SOURCE_ENGINE_CHOICE,
            )
            return None, None
        draft.because("In the target range the advisor keeps your current intake and never raises it.", SOURCE_SEED)
        if total > cap:
            daily_iu = cap
            plateau = dose.steady_state(
                level_ng_ml=s.plateau_level, current_iu=total, new_iu=daily_iu, response=s.response
            )
            return daily_iu, Plateau(
                ng_ml=round(plateau, 1), capped=True,
                text=f"At {_iu(daily_iu)}/day ({cap_name}) your level is expected to settle around {plateau:.0f} "
                "ng/mL (middle estimate).",
            )
        return total, None
    # BAND_HIGH: very high levels are a hard stop and never reach this point.
    if total:
        reduce_to = dose.reduced_total_dose(
            plateau_ng_ml=s.plateau_level, current_iu=total, response=s.response,
            ceiling_ng_ml=HIGH_BAND_REDUCE_TO_NG_ML,
        )
        target = (
            f"bring your total from all sources down to {_iu(reduce_to)} a day" if reduce_to else
            "stop taking vitamin D supplements"
        )
        draft.warn(
            WARNING_REDUCE_D3, f"Your level is above 50 ng/mL: {target}, and retest in about {RETEST_WEEKS} weeks."
        )
        draft.because(
            f"Above 50 ng/mL: no added D3. The model puts your level back around 45 ng/mL or lower at "
            f"{_iu(reduce_to)} a day in total (the shop's own choice of aim).",
            SOURCE_ENGINE_CHOICE,
        )
    else:
        draft.warn(
            WARNING_REDUCE_D3,
            f"Your level is above 50 ng/mL without a supplement: take no added vitamin D, and retest in about "
            f"{RETEST_WEEKS} weeks.",
        )
        draft.because("Above 50 ng/mL: no added D3.", SOURCE_IOM)
    return None, None


def _soft_flags(s: _Situation) -> list[str]:
    answered = s.a.medications | s.a.conditions
    return [code for code in SOFT_FLAGS if code in answered]


def _k2_dose(draft: _Draft, s: _Situation, d3_iu: int) -> K2Dose:
    a = s.a
    mcg = K2_AI_MCG[a.sex]
    draft.because(
        f"MK-7 starts at {mcg} mcg a day, the adequate intake for vitamin K. That intake is mostly K1 from greens: "
        "the shop uses it as a starting dose, not as a K2 need (MK-7 is studied at 90–180 mcg a day).",
        SOURCE_K_AI,
    )
    if d3_iu > K2_HIGH_D3_THRESHOLD_IU:
        mcg = K2_HIGH_DOSE_MCG
        draft.because(
            "With more than 2,000 IU/day of D3, K2 is 180 mcg, the dose studied for 3 years: vitamin D raises the "
            "vitamin K-dependent proteins (osteocalcin, matrix Gla protein), so more D3 may need more K2.",
            SOURCE_SEED,
        )
        draft.because("MK-7 180 mcg/day for 3 years: Knapen 2013.", SOURCE_KNAPEN, internal=True)
    if a.eats_natto_weekly:
        lowered = K2_NATTO_STEP_DOWN[mcg]
        draft.because(
            f"Natto at least once a week (about 850 mcg of MK-7 in 3 oz) takes the supplement one step down, to "
            f"{lowered} mcg, never below 90 mcg, the lower trial dose (the shop's own choice).",
            SOURCE_ODS_K,
        )
        mcg = lowered
    if a.k2_food_frequency != "rarely":
        draft.because(
            "Other K2 foods do not change the dose: cheddar has about 4 mcg a serving and an egg about 4 mcg.",
            SOURCE_ODS_K,
        )
    draft.because(
        f"The alternative, MK-4, is named at the studied {MK4_STUDIED_MCG:,} mcg/day: it leaves the blood within "
        "hours while MK-7 stays for days, so it takes far more micrograms (never the 45 mg prescription dose).",
        SOURCE_KOITAYA,
    )
    return K2Dose("MK-7", mcg)


def _explain_goals(draft: _Draft, a: Answers) -> None:
    if "bone" in a.goals:
        draft.because(
            "Bone: MK-7 180 mcg/day slowed age-related bone loss over 3 years in postmenopausal women; fracture "
            "benefit is not established.",
            SOURCE_KNAPEN,
        )
    if "heart" in a.goals:
        draft.because(
            "Heart: K2 activates matrix Gla protein, which helps keep calcium out of arteries, so the pairing is "
            "plausible; trials of hard cardiovascular outcomes are mostly null.",
            SOURCE_CARDIO,
        )


def _d3_change(s: _Situation, d3_iu: int | None, from_products: int | None) -> str | None:
    """What to change, in plain words ("replace your 1,000 IU with 2,000 IU")."""
    intake = s.intake
    if d3_iu is None:
        return None
    if intake.total_iu > ADULT_UL_IU:
        return f"bring your total from all sources down from {_iu(intake.total_iu)} to {_iu(d3_iu)} a day"
    if intake.other_iu:
        if from_products is None or from_products <= 0:
            if intake.other_iu > d3_iu:
                return f"lower your multivitamin, calcium + D or cod-liver oil to {_iu(d3_iu)} a day in total"
            return "keep your multivitamin or other vitamin D, and take no separate D3 supplement"
        if intake.supplement_iu:
            return (
                f"keep your {_iu(intake.other_iu)} from other sources and replace your {_iu(intake.supplement_iu)} "
                f"D3 supplement with {_iu(from_products)}"
            )
        return f"keep your {_iu(intake.other_iu)} from other sources and add {_iu(from_products)} of D3"
    if intake.supplement_iu == d3_iu:
        return f"keep your {_iu(d3_iu)} a day"
    if intake.supplement_iu:
        return f"instead of your {_iu(intake.supplement_iu)}"
    return None


def _food_nutrients(s: _Situation) -> tuple[str, ...]:
    codes = []
    if s.band not in (BAND_HIGH, BAND_VERY_HIGH) and s.intake.total_iu < ADULT_UL_IU:
        codes.append("d3")
    if not s.a.blood_thinner:
        codes.extend(["k2-mk7", "k2-mk4"])
    return tuple(codes)


def recommend(answers: Answers, *, today: date | None = None) -> Recommendation:
    a = answers
    s = _situation(a, today or date.today())
    draft = _Draft()
    stops = sorted(_hard_stops(s), key=lambda stop: not stop.urgent)  # urgent first, then policy order
    urgent = any(stop.urgent for stop in stops)

    _explain_level(draft, s, referred=bool(stops))
    for stop in stops:
        draft.refer(stop.reason, stop.question)
        draft.because(stop.rationale, stop.source)
    if s.band == BAND_DEFICIENT:
        draft.refer(
            f"Your 25(OH)D of {level_text(s.level)} is below 12 ng/mL, the deficiency range. Bringing it up and "
            "finding the cause are a clinician's job.",
            "Ask: why is my level low, and which repletion dose should I take?",
        )
    if urgent:
        draft.warn(WARNING_URGENT_LEVEL, "Your level suggests vitamin D toxicity: see a clinician today.")
    if s.intake.total_iu > ADULT_UL_IU:
        draft.warn(
            WARNING_CURRENT_ABOVE_UL,
            f"You take {_iu(s.intake.total_iu)} a day in total ({_intake_breakdown(s.intake)}), above the adult "
            "upper limit of 4,000 IU/day from all sources. The shop offers no product that adds vitamin D.",
        )
    if a.blood_thinner:
        draft.warn(
            WARNING_BLOOD_THINNER,
            "You take a blood thinner (an anticoagulant or antiplatelet drug, aspirin included) or have a clotting "
            "or bleeding disorder: tell your prescriber before you start vitamin D.",
        )
        draft.warn(
            WARNING_NO_K2_ANTICOAGULANT,
            "Take no vitamin K2 (or any vitamin K) supplement. Keep the vitamin K from food steady from week to "
            f"week rather than avoiding it; the foods that matter most are {STEADY_K1_FOODS}.",
        )
        draft.because(
            "Blood thinners or a bleeding disorder: no K2 at all, since 10–20 mcg a day of MK-7 changed INR in "
            "volunteers on a warfarin-type drug; vitamin D itself has no listed interaction with these drugs.",
            SOURCE_THEUWISSEN,
        )
        draft.because(
            "People on warfarin-type drugs are advised to keep their vitamin K intake steady, not to avoid it.",
            SOURCE_ODS_K,
        )
    flags = _soft_flags(s)
    rda = s.rda
    for code in flags:
        warning_code, message, source = SOFT_FLAGS[code]
        draft.warn(warning_code, message)
        draft.because(f"{message.split(':')[0]}: D3 is capped at the RDA for your age ({_iu(rda)}/day).", source)
    if "statin" in a.medications:
        draft.warn(
            WARNING_STATIN,
            "You take a statin: statins and vitamin D share a liver pathway (CYP3A4), with no harm shown; nothing "
            "changes, but your prescriber may like to know.",
        )
        draft.because(
            "Statins share CYP3A4 with vitamin D; no harm is shown, so this is a note only.", SOURCE_THIAZIDE
        )

    d3_iu: int | None = None
    population_iu: int | None = None
    k2: K2Dose | None = None
    projection = None
    plateau: Plateau | None = None
    if stops:
        draft.because(
            "With any of these the advisor refers you to a clinician and offers no dose and no products "
            "(the shop's own choice: no D3 dose rather than one at the RDA).",
            SOURCE_ENGINE_CHOICE,
        )
    else:
        _explain_timing(draft, s)
        cap, cap_name = (rda, "the RDA, your cap with this medicine or condition") if flags else (
            ADULT_UL_IU, "the adult upper limit"
        )
        draft.because(
            "Total daily D3 from all supplements stays at or below 4,000 IU, the adult upper limit (IOM 2011, "
            "EFSA 2023).",
            SOURCE_IOM,
        )
        d3_iu, plateau = _d3_for_band(draft, s, cap, cap_name)
        if s.personal is not None:
            # The population formula's dose for the same answers, to say how much the own history moved it.
            population_iu, _ = _d3_for_band(_Draft(), _situation(a, s.today, use_history=False), cap, cap_name)
        if s.intake.other_iu and d3_iu is not None and s.intake.other_iu > d3_iu:
            draft.warn(
                WARNING_OTHER_SOURCES_ABOVE_DOSE,
                f"Your multivitamin, calcium + D or cod-liver oil already gives {_iu(s.intake.other_iu)} a day, more "
                f"than the {_iu(d3_iu)} suggested in total: lower it rather than adding a D3 supplement.",
            )
        if not a.blood_thinner:
            k2 = _k2_dose(draft, s, d3_iu or 0)
        _explain_goals(draft, a)
        if s.level is not None and d3_iu is not None:
            projection = dose.project_levels(
                level_ng_ml=s.ng_ml, plateau_ng_ml=s.plateau_level, current_iu=s.intake.total_iu, new_iu=d3_iu,
                response=s.response,
            )
            draft.because(
                "The chart assumes the level moves toward its new plateau with a half-life of about 15 days (a "
                "plateau in 2–3 months); the band shows the Ekwaru and Vieth estimates.",
                SOURCE_HALF_LIFE,
                internal=True,
            )

    retest = None
    if not stops and (s.band != BAND_TARGET or (d3_iu or 0) != s.intake.total_iu):
        retest = RETEST_WEEKS
        if s.band == BAND_UNKNOWN:
            draft.because(
                f"Get a first 25(OH)D test after about {RETEST_WEEKS} weeks on this dose, when the level is close "
                "to its plateau.",
                SOURCE_HALF_LIFE,
                internal=True,
            )
        else:
            draft.because(
                f"Retest after about {RETEST_WEEKS} weeks on this dose, when the level is close to its new plateau.",
                SOURCE_HALF_LIFE,
                internal=True,
            )
    draft.because(
        "This is general information, not a diagnosis. For anyone with a condition or on medication, a clinician "
        "decides.",
        SOURCE_ES_2024,
        internal=True,  # the page and the API carry it as their disclaimer
    )

    refer = bool(stops) or s.band == BAND_DEFICIENT
    personal = _personal_dose(s, d3_iu, population_iu, bool(stops))  # shown on its own, next to the dose
    d3 = D3Dose(d3_iu) if d3_iu is not None else None
    from_products = None
    if d3 is not None and s.intake.total_iu <= ADULT_UL_IU:
        from_products = max(d3.daily_iu - s.intake.other_iu, 0)
    max_d3 = None
    if from_products:
        max_d3 = min(math.floor(from_products * 1.25), ADULT_UL_IU - s.intake.other_iu)
    products_allowed = not refer and (bool(from_products) or k2 is not None)
    if s.intake.total_iu > ADULT_UL_IU and not stops:
        draft.because(
            "Your total is above the upper limit, so no product that adds vitamin D is offered (the shop's own "
            "choice is to sell nothing that could add to it).",
            SOURCE_IOM,
        )
    return Recommendation(
        engine_version=ENGINE_VERSION,
        refer_to_clinician=refer,
        referral_reasons=tuple(draft.referral_reasons),
        band=s.band,
        d3=d3,
        k2=k2,
        k2_alternative=K2Dose("MK-4", MK4_STUDIED_MCG) if k2 is not None else None,
        warnings=tuple(draft.warnings),
        rationale=tuple(draft.rationale),
        retest_after_weeks=retest,
        projection=projection,
        food_nutrients=_food_nutrients(s),
        products_allowed=products_allowed,
        max_d3_iu_per_serving=max_d3,
        max_k2_mcg_per_serving=math.floor(k2.daily_mcg * 1.25) if k2 else None,
        urgent=urgent,
        clinician_questions=tuple(draft.clinician_questions),
        intake=s.intake,
        d3_from_products_iu=from_products,
        d3_change=_d3_change(s, d3_iu, from_products),
        plateau=plateau,
        food_note=(
            f"Keep the vitamin K from food steady from week to week; the foods that matter most are "
            f"{STEADY_K1_FOODS}." if a.blood_thinner else None
        ),
        personal=personal,
    )


_COUNT_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _personal_dose(s: _Situation, d3_iu: int | None, population_iu: int | None, stopped: bool) -> PersonalDose | None:
    """The own response and one plain sentence on how much it moved the dose."""
    p = s.personal
    if p is None:
        return None
    earlier = p.tests_used - 1
    count = _COUNT_WORDS[earlier] if earlier < len(_COUNT_WORDS) else f"{earlier:,}"
    tests = "Your earlier test shows" if earlier == 1 else f"Your {count} earlier tests show"
    if s.non_response and p.clearly_below < WEAK_RESPONSE_SCALE:
        text = (
            f"{tests} your level rose far less than expected for the doses you took, so the advisor does not raise "
            "your dose: a clinician decides."
        )
    elif s.barely_moved and not stopped:
        kept = f"keeps your dose at {_iu(d3_iu)} a day" if d3_iu else "suggests no added D3"
        text = f"{tests} your level hardly moved with the doses you took, so the advisor {kept} rather than raise it."
    else:
        if round(p.multiplier, 1) == 1.0:
            how = f"{tests} you respond about as strongly as average"
        else:
            how = f"{tests} you respond about {p.multiplier:.1f} times as strongly as average"
        if d3_iu is None or population_iu is None or stopped:
            text = f"{how}."
        elif d3_iu == population_iu:
            text = f"{how}, which leaves the dose the same as the population formula gives ({_iu(d3_iu)} a day)."
        else:
            direction = "lower" if d3_iu < population_iu else "higher"
            difference = _iu(abs(d3_iu - population_iu))
            text = f"{how}, so the dose is {difference} {direction} than the population formula would give."
    return PersonalDose(
        multiplier=round(p.multiplier, 2), low=round(p.low, 2), high=round(p.high, 2), tests_used=p.tests_used,
        population_d3_iu=population_iu, text=text,
    )


# --- serialisation ----------------------------------------------------------------------------------


def answers_to_dict(a: Answers) -> dict:
    level = a.blood_level
    return {
        "age": a.age,
        "current_d3_iu": a.current_d3_iu,
        "sun_exposure": a.sun_exposure,
        "k2_food_frequency": a.k2_food_frequency,
        "goals": sorted(a.goals),
        "conditions": sorted(a.conditions),
        "sex": a.sex,
        "weight_kg": a.weight_kg,
        "height_cm": a.height_cm,
        "blood_level": (
            {
                "value": level.value,
                "unit": level.unit,
                "tested_on": level.tested_on.isoformat() if level.tested_on else None,
            }
            if level is not None
            else None
        ),
        "other_d3_daily_iu": a.other_d3_daily_iu,
        "prescription_d3": (
            {"iu": a.prescription_d3.iu, "every_days": a.prescription_d3.every_days} if a.prescription_d3 else None
        ),
        "current_d3_since": a.current_d3_since.isoformat() if a.current_d3_since else None,
        "eats_natto_weekly": a.eats_natto_weekly,
        "medications": sorted(a.medications),
        # The API's shape, in ng/mL (the engine's unit): posting it back gives the same recommendation.
        "previous_tests": [
            {"tested_on": t.tested_on.isoformat(), "value": t.ng_ml, "unit": "ng/mL", "d3_daily_iu": t.d3_daily_iu}
            for t in a.previous_tests
        ],
    }


_ANSWER_DEFAULTS = {
    "sun_exposure": "moderate",
    "k2_food_frequency": "rarely",
    "goals": ["general"],
    "conditions": [],
    "sex": "unspecified",
    "weight_kg": None,
    "height_cm": None,
    "blood_level": None,
    "other_d3_daily_iu": 0,
    "prescription_d3": None,
    "current_d3_since": None,
    "eats_natto_weekly": False,
    "medications": [],
    "previous_tests": [],
}
_ANSWER_FIELDS = frozenset({"age", "current_d3_iu", *_ANSWER_DEFAULTS})
_BLOOD_LEVEL_KEYS = frozenset({"value", "unit", "tested_on"})


def _date_from(value: Any, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidAnswers({name: "Give a date as YYYY-MM-DD."}) from None


# Engine 2026.11-2 stored "daily_iu"; the API and later versions say "d3_daily_iu".
_PREVIOUS_TEST_KEYS = ({"tested_on", "value", "unit", "d3_daily_iu"}, {"tested_on", "value", "unit", "daily_iu"})


def _previous_test_from_dict(index: int, t: dict) -> PreviousTest:
    name = f"previous_tests[{index}]"
    level = BloodLevel(t["value"], t["unit"])
    level_error = _blood_level_error(level)
    if level_error:
        raise InvalidAnswers({f"{name}.value": level_error})
    return PreviousTest(
        _date_from(t["tested_on"], f"{name}.tested_on"), level.ng_ml, t.get("d3_daily_iu", t.get("daily_iu"))
    )


def answers_from_dict(d: dict) -> Answers:
    """Rebuild Answers from answers_to_dict output (of any engine version); raises InvalidAnswers
    (never KeyError/TypeError)."""
    if not isinstance(d, dict):
        raise InvalidAnswers({"answers": "Answers must be a mapping of field names to values."})
    missing = {name: "This answer is required." for name in ("age", "current_d3_iu") if name not in d}
    if missing:
        raise InvalidAnswers(missing)
    values = {**_ANSWER_DEFAULTS, **{name: value for name, value in d.items() if name in _ANSWER_FIELDS}}
    raw_level = values["blood_level"]
    if raw_level is not None:
        if not isinstance(raw_level, dict) or not {"value", "unit"} <= set(raw_level) <= _BLOOD_LEVEL_KEYS:
            raise InvalidAnswers({"blood_level": "Give the blood level as a value and a unit."})
        values["blood_level"] = BloodLevel(
            value=raw_level["value"], unit=raw_level["unit"],
            tested_on=_date_from(raw_level.get("tested_on"), "blood_level.tested_on"),
        )
    raw_prescription = values["prescription_d3"]
    if raw_prescription is not None:
        if not isinstance(raw_prescription, dict) or set(raw_prescription) != {"iu", "every_days"}:
            raise InvalidAnswers({"prescription_d3": "Give the prescribed dose as IU and every how many days."})
        values["prescription_d3"] = PrescriptionD3(**raw_prescription)
    values["current_d3_since"] = _date_from(values["current_d3_since"], "current_d3_since")
    raw_tests = values["previous_tests"]
    if not isinstance(raw_tests, list | tuple) or not all(
        isinstance(t, dict) and set(t) in _PREVIOUS_TEST_KEYS for t in raw_tests
    ):
        raise InvalidAnswers({"previous_tests": "Give each earlier test as a date, a value, a unit and a dose."})
    values["previous_tests"] = tuple(_previous_test_from_dict(index, t) for index, t in enumerate(raw_tests))
    for name in ("goals", "conditions", "medications"):
        if not isinstance(values[name], list | tuple | set | frozenset):
            raise InvalidAnswers({name: "Give a list of names."})
        if not all(isinstance(item, str) for item in values[name]):
            raise InvalidAnswers({name: "Give a list of names."})
        values[name] = frozenset(values[name])
    return Answers(**values)


def _k2_to_dict(k2: K2Dose | None) -> dict | None:
    return {"form": k2.form, "daily_mcg": k2.daily_mcg} if k2 else None


def _k2_from_dict(d: dict | None) -> K2Dose | None:
    return K2Dose(d["form"], d["daily_mcg"]) if d else None


def recommendation_to_dict(r: Recommendation) -> dict:
    return {
        "engine_version": r.engine_version,
        "refer_to_clinician": r.refer_to_clinician,
        "referral_reasons": list(r.referral_reasons),
        "band": r.band,
        "d3": {"daily_iu": r.d3.daily_iu, "daily_mcg": r.d3.daily_mcg} if r.d3 else None,
        "k2": _k2_to_dict(r.k2),
        "k2_alternative": _k2_to_dict(r.k2_alternative),
        "warnings": [{"code": w.code, "message": w.message} for w in r.warnings],
        "rationale": [{"text": line.text, "source": line.source, "internal": line.internal} for line in r.rationale],
        "retest_after_weeks": r.retest_after_weeks,
        "projection": (
            [
                {"week": p.week, "ng_ml": p.ng_ml, "low_ng_ml": p.low_ng_ml, "high_ng_ml": p.high_ng_ml}
                for p in r.projection
            ]
            if r.projection is not None
            else None
        ),
        "food_nutrients": list(r.food_nutrients),
        "products_allowed": r.products_allowed,
        "max_d3_iu_per_serving": r.max_d3_iu_per_serving,
        "max_k2_mcg_per_serving": r.max_k2_mcg_per_serving,
        "urgent": r.urgent,
        "clinician_questions": list(r.clinician_questions),
        "intake": (
            {
                "supplement_iu": r.intake.supplement_iu,
                "other_iu": r.intake.other_iu,
                "prescription_daily_iu": r.intake.prescription_daily_iu,
                "total_iu": r.intake.total_iu,
            }
            if r.intake
            else None
        ),
        "d3_from_products_iu": r.d3_from_products_iu,
        "d3_change": r.d3_change,
        "plateau": (
            {"ng_ml": r.plateau.ng_ml, "capped": r.plateau.capped, "text": r.plateau.text} if r.plateau else None
        ),
        "food_note": r.food_note,
        "personal_response": (
            {
                "multiplier": r.personal.multiplier,
                "low": r.personal.low,
                "high": r.personal.high,
                "tests_used": r.personal.tests_used,
                "population_d3_iu": r.personal.population_d3_iu,
                "text": r.personal.text,
            }
            if r.personal
            else None
        ),
    }


def recommendation_from_dict(d: dict) -> Recommendation:
    """Rebuild a stored Recommendation (from recommendation_to_dict, any engine version) as it was."""
    intake = d.get("intake")
    plateau = d.get("plateau")
    return Recommendation(
        engine_version=d["engine_version"],
        refer_to_clinician=d["refer_to_clinician"],
        referral_reasons=tuple(d["referral_reasons"]),
        band=d["band"],
        d3=D3Dose(d["d3"]["daily_iu"]) if d["d3"] else None,
        k2=_k2_from_dict(d["k2"]),
        k2_alternative=_k2_from_dict(d["k2_alternative"]),
        warnings=tuple(Warning(w["code"], w["message"]) for w in d["warnings"]),
        rationale=tuple(
            RationaleLine(line["text"], line["source"], line.get("internal", False)) for line in d["rationale"]
        ),
        retest_after_weeks=d["retest_after_weeks"],
        projection=(
            tuple(ProjectionPoint(**point) for point in d["projection"]) if d["projection"] is not None else None
        ),
        food_nutrients=tuple(d["food_nutrients"]),
        products_allowed=d["products_allowed"],
        max_d3_iu_per_serving=d["max_d3_iu_per_serving"],
        max_k2_mcg_per_serving=d["max_k2_mcg_per_serving"],
        urgent=d.get("urgent", False),
        clinician_questions=tuple(d.get("clinician_questions") or ()),
        intake=(
            Intake(intake["supplement_iu"], intake["other_iu"], intake["prescription_daily_iu"]) if intake else None
        ),
        d3_from_products_iu=d.get("d3_from_products_iu"),
        d3_change=d.get("d3_change"),
        plateau=Plateau(plateau["ng_ml"], plateau["capped"], plateau["text"]) if plateau else None,
        food_note=d.get("food_note"),
        personal=PersonalDose(**d["personal_response"]) if d.get("personal_response") else None,
    )
