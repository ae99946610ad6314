"""The advisor engine: quiz answers in, a capped and explained D3 + K2 recommendation out.

It implements the shop's advisor policy on the domain facts. Pure Python (no Django import): the
web layer validates nothing itself, it builds ``Answers`` (which reports every bad field at once),
calls ``recommend`` and stores ``answers_to_dict`` / ``recommendation_to_dict``.

Where the policy leaves a choice the engine names it in the rationale (source ``SOURCE_ENGINE_CHOICE``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
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

__all__ = [
    "ENGINE_VERSION", "NG_ML_PER_NMOL_L", "CONDITIONS", "GOALS", "SUN_EXPOSURES", "K2_FOOD_FREQUENCIES", "SEXES",
    "BLOOD_LEVEL_UNITS", "InvalidAnswers", "BloodLevel", "Answers", "D3Dose", "K2Dose", "Warning", "RationaleLine",
    "ProjectionPoint", "Recommendation", "recommend", "answers_to_dict", "answers_from_dict",
    "recommendation_to_dict", "recommendation_from_dict", "pounds_to_kg", "feet_inches_to_cm", "nmol_l_to_ng_ml",
]

ENGINE_VERSION = "2026.11-1"

CONDITIONS = (
    "anticoagulants",
    "pregnant_or_breastfeeding",
    "kidney_disease",
    "high_calcium",
    "granulomatous_disease",
    "thiazide_diuretics",
)
GOALS = ("bone", "heart", "general")
SUN_EXPOSURES = ("low", "moderate", "high")
K2_FOOD_FREQUENCIES = ("rarely", "weekly", "daily")
SEXES = ("female", "male", "unspecified")
BLOOD_LEVEL_UNITS = ("ng/mL", "nmol/L")

ADULT_AGE = 18
MAX_CURRENT_D3_IU = 100_000
WEIGHT_RANGE_KG = (20, 400)
HEIGHT_RANGE_CM = (100, 250)
LEVEL_RANGE_NG_ML = (1, 400)
RETEST_WEEKS = 12
URGENT_LEVEL_NG_ML = 150
K2_HIGH_D3_THRESHOLD_IU = 2000
K2_HIGH_DOSE_MCG = 180
K2_AI_MCG = {"female": 90, "male": 120, "unspecified": 100}
K2_DAILY_FOOD_STEP_DOWN = {180: 120, 120: 90, 100: 90, 90: 90}
MK4_STUDIED_MCG = 1500  # Koitaya 2014: 1.5 mg/day; the 45 mg Japanese drug dose is never an output
NO_TEST_DOSE_STEPS_IU = (1000, 1500, 2000)  # no-test default after 1, 2, 3+ risk points
NO_TEST_MAX_IU = 2000

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
SOURCE_HALF_LIFE = "NIH ODS vitamin D fact sheet (half-life about 15 days)"
SOURCE_TOXICITY = "Marcinowska-Suchowierska et al., Front Endocrinol 2018"
SOURCE_THIAZIDE = "Examine FAQ: vitamin D drug interactions (2024)"
SOURCE_KIDNEY = "Friedl & Zitt, Int J Nephrol Renovasc Dis 2017"
SOURCE_GRANULOMA = "IOM 1997 DRI (NAP 5776, p. 285)"
SOURCE_CALCIUM = "AACB review table (PMC7731935)"
SOURCE_CARDIO = "Aging_wiki summary of vitamin K2 trials (secondary)"
SOURCE_ENGINE_CHOICE = "Advisor policy: engine choice"

WARNING_REDUCE_D3 = "reduce_d3"
WARNING_CURRENT_ABOVE_UL = "current_above_ul"
WARNING_THIAZIDE = "thiazide_tell_prescriber"
WARNING_NO_K2_ANTICOAGULANT = "no_k2_anticoagulant"
WARNING_URGENT_LEVEL = "urgent_level"
WARNING_ABOVE_NO_TEST_DEFAULT = "above_no_test_default"
THIAZIDE_WARNING = (
    "You take a thiazide diuretic: together with vitamin D it can raise blood calcium. Tell your prescriber "
    "before starting or changing vitamin D."
)


class InvalidAnswers(ValueError):
    """Every bad answer at once, as field name -> message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


@dataclass(frozen=True)
class BloodLevel:
    value: float
    unit: Literal["ng/mL", "nmol/L"]

    @property
    def ng_ml(self) -> float:
        """The level in ng/mL, at the precision every rule uses (see engine_dose.LEVEL_DECIMALS)."""
        if self.unit == "ng/mL":
            return dose.normalise_level(float(self.value))
        if self.unit == "nmol/L":
            return dose.normalise_level(nmol_l_to_ng_ml(float(self.value)))
        raise ValueError(f"Unknown unit {self.unit!r}; use one of {', '.join(BLOOD_LEVEL_UNITS)}.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


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

    def __post_init__(self) -> None:
        for name in ("goals", "conditions"):
            as_set = _as_frozenset(getattr(self, name))
            if as_set is not None:
                object.__setattr__(self, name, as_set)
        errors = _answer_errors(self)
        if errors:
            raise InvalidAnswers(errors)


def _answer_errors(a: Answers) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not _is_whole_number(a.age) or not 0 <= a.age <= 120:
        errors["age"] = "Enter your age in whole years, from 0 to 120."
    if not _is_whole_number(a.current_d3_iu) or not 0 <= a.current_d3_iu <= MAX_CURRENT_D3_IU:
        errors["current_d3_iu"] = (
            f"Enter your current daily vitamin D3 from supplements in whole IU, from 0 to {MAX_CURRENT_D3_IU:,}."
        )
    for name, allowed in (
        ("sun_exposure", SUN_EXPOSURES),
        ("k2_food_frequency", K2_FOOD_FREQUENCIES),
        ("sex", SEXES),
    ):
        if getattr(a, name) not in allowed:
            errors[name] = f"Choose one of: {', '.join(allowed)}."
    if not isinstance(a.goals, frozenset) or not a.goals or not a.goals <= set(GOALS):
        errors["goals"] = f"Choose at least one goal from: {', '.join(GOALS)}."
    if not isinstance(a.conditions, frozenset) or not a.conditions <= set(CONDITIONS):
        errors["conditions"] = f"Conditions must come from: {', '.join(CONDITIONS)}."
    for name, (low, high), unit in (
        ("weight_kg", WEIGHT_RANGE_KG, "kg"),
        ("height_cm", HEIGHT_RANGE_CM, "cm"),
    ):
        value = getattr(a, name)
        if value is not None and (not _is_number(value) or not low <= value <= high):
            errors[name] = f"Enter a number from {low} to {high} {unit}, or leave it empty."
    level_error = _blood_level_error(a.blood_level)
    if level_error:
        errors["blood_level"] = level_error
    return errors


def _blood_level_error(level: Any) -> str | None:
    if level is None:
        return None
    if not isinstance(level, BloodLevel):
        return "Give the blood level as a value and a unit."
    if level.unit not in BLOOD_LEVEL_UNITS:
        return f"Choose the unit your lab report uses: {' or '.join(BLOOD_LEVEL_UNITS)}."
    if not _is_number(level.value):
        return "Enter the 25(OH)D value as a number."
    low, high = LEVEL_RANGE_NG_ML
    if not low <= level.ng_ml <= high:
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


@dataclass(frozen=True)
class Recommendation:
    engine_version: str
    refer_to_clinician: bool
    referral_reasons: tuple[str, ...]
    band: str
    d3: D3Dose | None
    k2: K2Dose | None
    k2_alternative: K2Dose | None
    warnings: tuple[Warning, ...]
    rationale: tuple[RationaleLine, ...]
    retest_after_weeks: int | None
    projection: tuple[ProjectionPoint, ...] | None
    food_nutrients: tuple[str, ...]
    products_allowed: bool
    max_d3_iu_per_serving: int | None
    max_k2_mcg_per_serving: int | None


# --- recommendation ---------------------------------------------------------------------------------


def _level_text(ng_ml: float) -> str:
    """Echo a level in both units, so the text is the same whichever unit was typed in."""
    return f"{ng_ml:.1f} ng/mL ({dose.ng_ml_to_nmol_l(ng_ml):.1f} nmol/L)"


def rda_iu_for_age(age: int) -> int:
    return 800 if age > 70 else 600


@dataclass
class _Draft:
    """What the rules add up while they run; frozen into a Recommendation at the end."""

    referral_reasons: list[str] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    rationale: list[RationaleLine] = field(default_factory=list)

    def because(self, text: str, source: str) -> None:
        self.rationale.append(RationaleLine(text, source))

    def warn(self, code: str, message: str) -> None:
        self.warnings.append(Warning(code, message))


def _hard_stop_reasons(a: Answers, level: float | None) -> list[tuple[str, str, str]]:
    """(referral reason with the question to ask, rationale text, source) for every hard stop that fires."""
    stops = []
    if a.age < ADULT_AGE:
        stops.append((
            "You are under 18. This advisor is for adults: children and teenagers have their own upper limits, "
            "and their vitamin D needs are a paediatrician's call. Ask a paediatrician: is a vitamin D "
            "supplement needed, and at what dose?",
            "Under 18: no adult dose and no product; the shop's quiz is restricted to adults.",
            SOURCE_ES_2024,
        ))
    if "pregnant_or_breastfeeding" in a.conditions:
        stops.append((
            "You are pregnant or breastfeeding. Vitamin D is appropriate in pregnancy, but the dose and any K2 "
            "belong to your prenatal care, and there is no authoritative safety statement for K2 supplements in "
            "pregnancy. Ask your midwife or obstetrician: which vitamin D dose suits me, and should I take any K2?",
            "Pregnancy or breastfeeding: the dose is for prenatal care to decide; no D3 + K2 pair is offered.",
            SOURCE_IOM,
        ))
    if "anticoagulants" in a.conditions:
        stops.append((
            "You take a blood thinner (an anticoagulant or antiplatelet drug). As little as 10–20 mcg of MK-7 a "
            "day can change how warfarin-type drugs work, so the advisor recommends no K2 at all and no product "
            "containing it. Ask your prescriber: may I take vitamin D, and how should I keep my vitamin K intake "
            "consistent?",
            "Blood thinners: no K2 and no product containing K2 (10–20 mcg/day MK-7 moved INR in volunteers).",
            SOURCE_THEUWISSEN,
        ))
    if "kidney_disease" in a.conditions:
        stops.append((
            "You have kidney disease. The kidneys handle vitamin D, and supplementing it is part of kidney care "
            "that your clinician manages. Ask your kidney doctor: should I take vitamin D, in which form and dose?",
            "Kidney disease: vitamin D supplementation is clinician-managed; no dose and no product.",
            SOURCE_KIDNEY,
        ))
    if "high_calcium" in a.conditions:
        stops.append((
            "You have high blood calcium (or a condition that causes it). The vitamin D upper limit does not "
            "apply to you, and vitamin D can raise calcium further. Ask your clinician: is any vitamin D "
            "supplement safe for me?",
            "High blood calcium: the upper limit is for healthy people only; no dose and no product.",
            SOURCE_CALCIUM,
        ))
    if "granulomatous_disease" in a.conditions:
        stops.append((
            "You have sarcoidosis or another granulomatous disease. In these conditions even modest vitamin D can "
            "raise blood calcium. Ask your clinician: should I take vitamin D at all, and how should my calcium "
            "be checked?",
            "Granulomatous disease: hypercalcaemia can occur at normal or low vitamin D intakes; no dose.",
            SOURCE_GRANULOMA,
        ))
    if level is not None and level > 100:
        if level > URGENT_LEVEL_NG_ML:
            reason = (
                f"Urgent: your 25(OH)D of {_level_text(level)} is above 150 ng/mL, the hallmark of vitamin D "
                "toxicity. Stop taking vitamin D and see a clinician promptly; go today if you have vomiting, "
                "confusion, abdominal pain or unusual thirst. Ask: is my blood calcium too high?"
            )
        else:
            reason = (
                f"Your 25(OH)D of {_level_text(level)} is above 100 ng/mL, a level labs flag to avoid. Stop adding "
                "vitamin D and see a clinician. Ask: what is behind this level, and should my calcium be checked?"
            )
        stops.append((
            reason,
            "A level above 100 ng/mL: no added D3 and a referral; above 150 ng/mL the wording is urgent.",
            SOURCE_TOXICITY if level > URGENT_LEVEL_NG_ML else SOURCE_UCSF,
        ))
    return stops


def _explain_level(draft: _Draft, band: str, level: float | None, *, referred: bool) -> None:
    if level is None and referred:
        return  # no dose follows a referral, so there is no no-test default to explain
    if level is None:
        draft.because(
            "No blood test was given, so the advisor suggests a conservative dose between 600 and 2,000 IU/day. "
            "A 25(OH)D test would let it estimate a dose for you; the Endocrine Society 2024 advises healthy "
            "adults under 75 to stay near the RDA without routine testing, so ask a clinician whether a test is "
            "worthwhile. Higher doses are a choice to discuss with a clinician, not a promise.",
            SOURCE_ES_2024,
        )
        return
    draft.because(
        f"Your 25(OH)D is {_level_text(level)}; levels are compared in ng/mL (nmol/L ÷ 2.496).", SOURCE_UCSF
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
    }[band]
    draft.because(*meaning)


def _bmi_response(draft: _Draft, a: Answers) -> dose.DoseResponse:
    bmi = dose.body_mass_index(a.weight_kg, a.height_cm)
    category = dose.bmi_category(bmi)
    if category in (dose.BMI_OVERWEIGHT, dose.BMI_OBESE):
        divisor = dose.BMI_RESPONSE_DIVISOR[category]
        choice = (
            " Ekwaru found 2–3× less for obesity; the engine uses 2.5, the middle."
            if category == dose.BMI_OBESE
            else ""
        )
        draft.because(
            f"BMI {bmi:.1f} ({category}): the expected rise per 1,000 IU is divided by {divisor:g}.{choice} "
            "The dose still never goes above 4,000 IU/day.",
            SOURCE_EKWARU,
        )
    return dose.dose_response_for(category)


def _no_test_dose(draft: _Draft, a: Answers, rda: int) -> int:
    """Engine choice: the RDA, raised one 500 IU step per risk point, capped at 2,000 IU."""
    bmi_cat = dose.bmi_category(dose.body_mass_index(a.weight_kg, a.height_cm))
    points: list[str] = []
    if a.sun_exposure == "low":
        points.append("little sun")
    if a.age >= 75:
        points.append("age 75 or over")
    if bmi_cat == dose.BMI_OVERWEIGHT:
        points.append("BMI 25 or over")
    if bmi_cat == dose.BMI_OBESE:
        points.extend(["BMI 30 or over (counts twice)"] * 2)
    count = len(points) - (1 if a.sun_exposure == "high" else 0)
    daily_iu = rda if count <= 0 else NO_TEST_DOSE_STEPS_IU[min(count, len(NO_TEST_DOSE_STEPS_IU)) - 1]
    draft.because(
        f"Without a test the dose starts at the RDA for your age ({rda} IU/day) and rises one step per risk "
        "point (1,000, 1,500, then at most 2,000 IU/day); a lot of sun takes one point away. "
        f"Risk points here: {', '.join(dict.fromkeys(points)) or 'none'}"
        f"{'; high sun exposure: minus one' if a.sun_exposure == 'high' else ''}.",
        SOURCE_ENGINE_CHOICE,
    )
    draft.because(
        "The RDA is 600 IU/day, 800 IU/day over 70; it assumes minimal sun. It is meant to keep 97.5% of "
        "people at 20 ng/mL or more.",
        SOURCE_IOM,
    )
    if a.current_d3_iu > daily_iu:
        draft.warn(
            WARNING_ABOVE_NO_TEST_DEFAULT,
            f"You take {a.current_d3_iu:,} IU/day, more than this no-test default of {daily_iu:,} IU/day. "
            "Higher doses are a choice to discuss with a clinician, ideally with a blood test.",
        )
    return daily_iu


def _aimed_dose(draft: _Draft, a: Answers, level: float, response: dose.DoseResponse) -> int:
    daily_iu = dose.aimed_total_dose(level_ng_ml=level, current_iu=a.current_d3_iu, slope_mid=response.mid)
    draft.because(
        f"The dose aims at {AIM_NG_ML:g} ng/mL, comfortably inside 30–50 without aiming high "
        "(engine choice), and is the new total daily D3 from supplements, not an addition; your current "
        "intake is assumed to be reflected in the measured level already.",
        SOURCE_ENGINE_CHOICE,
    )
    draft.because(
        f"Expected rise per 1,000 IU/day: about {response.mid:.1f} ng/mL (middle estimate), which sets the "
        "dose.",
        SOURCE_HEANEY,
    )
    draft.because(
        f"The range around it: about {response.low:.1f} ng/mL per 1,000 IU (Ekwaru 2014) to "
        f"{response.high:.1f} (Vieth rule of thumb); people differ, so the result is an estimate, not a promise.",
        SOURCE_EKWARU,
    )
    draft.because(
        "Doses are rounded up to the next 500 IU (what products offer), and down to 4,000 IU where rounding "
        "up would cross the upper limit.",
        SOURCE_ENGINE_CHOICE,
    )
    return daily_iu


def _d3_for_band(draft: _Draft, a: Answers, band: str, level: float | None, rda: int) -> int | None:
    """The new total daily D3 for a person with no hard stop, before the thiazide cap; None = no D3."""
    if band == BAND_UNKNOWN:
        return _no_test_dose(draft, a, rda)
    assert level is not None
    if band in (BAND_DEFICIENT, BAND_INADEQUATE, BAND_ADEQUATE):
        response = _bmi_response(draft, a)
        if band == BAND_DEFICIENT:
            draft.because(
                "Below 12 ng/mL the dose is shown only as information for the talk with your clinician, within "
                "the adult upper limit; no products are offered, because repletion is the clinician's (engine "
                "choice).",
                SOURCE_ENGINE_CHOICE,
            )
        return _aimed_dose(draft, a, level, response)
    if band == BAND_TARGET:
        if a.current_d3_iu == 0:
            draft.because(
                "Your level is already in the target range without a supplement, so the advisor adds no D3 "
                "(engine choice: none rather than up to 1,000 IU/day).",
                SOURCE_ENGINE_CHOICE,
            )
            return None
        draft.because(
            "In the target range the advisor keeps your current intake and never raises it.", SOURCE_SEED
        )
        return min(a.current_d3_iu, ADULT_UL_IU)
    # BAND_HIGH: very high levels are a hard stop and never reach this point.
    reduce = ", reduce what you take now," if a.current_d3_iu else ""
    draft.warn(
        WARNING_REDUCE_D3,
        f"Your level is above 50 ng/mL: take no added vitamin D{reduce} and retest in about {RETEST_WEEKS} weeks.",
    )
    draft.because("Above 50 ng/mL: no added D3 (engine choice: no D3 dose at all).", SOURCE_ENGINE_CHOICE)
    return None


def _warn_current_above_ul(draft: _Draft, a: Answers) -> None:
    if a.current_d3_iu > ADULT_UL_IU:
        draft.warn(
            WARNING_CURRENT_ABOVE_UL,
            f"You take {a.current_d3_iu:,} IU/day, above the adult upper limit of 4,000 IU/day. Bring your total "
            "from all supplements to 4,000 IU/day or less, and talk to a clinician about higher doses.",
        )


def _apply_d3_caps(draft: _Draft, a: Answers, daily_iu: int | None, rda: int) -> int | None:
    draft.because(
        "Total daily D3 from all supplements stays at or below 4,000 IU, the adult upper limit (IOM 2011, EFSA 2023).",
        SOURCE_IOM,
    )
    if daily_iu is not None and daily_iu > ADULT_UL_IU:
        daily_iu = ADULT_UL_IU
    if "thiazide_diuretics" in a.conditions:
        draft.warn(WARNING_THIAZIDE, THIAZIDE_WARNING)
        draft.because(
            f"Thiazide diuretics: D3 is capped at the RDA for your age ({rda} IU/day); K2 as usual.",
            SOURCE_THIAZIDE,
        )
        if daily_iu is not None:
            daily_iu = min(daily_iu, rda)
    return daily_iu


def _k2_dose(draft: _Draft, a: Answers, d3_iu: int) -> K2Dose:
    mcg = K2_AI_MCG[a.sex]
    draft.because(
        f"K2 as MK-7 starts from the adequate intake for vitamin K: 90 mcg for women, 120 for men, 100 when "
        f"unspecified ({mcg} mcg here); MK-7 supplements are studied at 90–180 mcg/day.",
        SOURCE_K_AI,
    )
    if d3_iu > K2_HIGH_D3_THRESHOLD_IU:
        mcg = K2_HIGH_DOSE_MCG
        draft.because(
            "With more than 2,000 IU/day of D3, K2 is 180 mcg: vitamin D raises the production of vitamin "
            "K-dependent proteins (osteocalcin, matrix Gla protein), so higher D3 may raise the need for K2. "
            "180 mcg/day is the dose studied for 3 years in postmenopausal women.",
            SOURCE_SEED,
        )
        draft.because("MK-7 180 mcg/day for 3 years: Knapen 2013.", SOURCE_KNAPEN)
    if a.k2_food_frequency == "daily":
        lowered = K2_DAILY_FOOD_STEP_DOWN[mcg]
        draft.because(
            f"K2-rich food every day (such as natto or hard cheese) takes the supplement one step down, to "
            f"{lowered} mcg, never below 90 mcg, the lower trial dose (engine choice).",
            SOURCE_MK7_RCT,
        )
        mcg = lowered
    draft.because(
        f"MK-4 is named only as an alternative, at the studied {MK4_STUDIED_MCG:,} mcg/day; the 45 mg Japanese "
        "osteoporosis dose is a prescription drug and is never suggested.",
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


def _d3_changed(current_iu: int, d3_iu: int | None) -> bool:
    return (d3_iu or 0) != current_iu


def _food_nutrients(a: Answers, band: str) -> tuple[str, ...]:
    codes = []
    if band not in (BAND_HIGH, BAND_VERY_HIGH):
        codes.append("d3")
    if "anticoagulants" not in a.conditions:
        codes.extend(["k2-mk7", "k2-mk4"])
    return tuple(codes)


def recommend(answers: Answers) -> Recommendation:
    a = answers
    draft = _Draft()
    level = a.blood_level.ng_ml if a.blood_level is not None else None
    band = dose.band_for_level(level)
    rda = rda_iu_for_age(a.age)
    stops = _hard_stop_reasons(a, level)

    _explain_level(draft, band, level, referred=bool(stops))
    for reason, text, source in stops:
        draft.referral_reasons.append(reason)
        draft.because(text, source)
    if band == BAND_DEFICIENT:
        draft.referral_reasons.append(
            f"Your 25(OH)D of {_level_text(level)} is below 12 ng/mL, the deficiency range. Bringing it up and "
            "finding the cause are a clinician's job. Ask: why is my level low, and which repletion dose "
            "should I take?"
        )

    _warn_current_above_ul(draft, a)
    d3_iu: int | None = None
    k2: K2Dose | None = None
    projection = None
    if stops:
        draft.because(
            "With any of these the advisor refers you to a clinician and offers no dose and no products "
            "(engine choice: no D3 dose rather than one at the RDA).",
            SOURCE_ENGINE_CHOICE,
        )
        if "anticoagulants" in a.conditions:
            draft.warn(WARNING_NO_K2_ANTICOAGULANT, "Take no vitamin K2 supplement while on a blood thinner.")
        if level is not None and level > URGENT_LEVEL_NG_ML:
            draft.warn(WARNING_URGENT_LEVEL, "Your level suggests vitamin D toxicity: see a clinician promptly.")
        if "thiazide_diuretics" in a.conditions:
            draft.warn(WARNING_THIAZIDE, THIAZIDE_WARNING)
    else:
        d3_iu = _apply_d3_caps(draft, a, _d3_for_band(draft, a, band, level, rda), rda)
        k2 = _k2_dose(draft, a, d3_iu or 0)
        _explain_goals(draft, a)
        if level is not None and d3_iu is not None:
            projection = dose.project_levels(
                level_ng_ml=level,
                current_iu=a.current_d3_iu,
                new_iu=d3_iu,
                response=dose.dose_response_for(dose.bmi_category(dose.body_mass_index(a.weight_kg, a.height_cm))),
            )
            draft.because(
                "The projection assumes 25(OH)D moves toward its new plateau with a half-life of about 15 days "
                "(a plateau in 2–3 months); the band shows the Ekwaru and Vieth estimates.",
                SOURCE_HALF_LIFE,
            )

    retest = None
    if not stops and (band in (BAND_UNKNOWN, BAND_HIGH) or _d3_changed(a.current_d3_iu, d3_iu)):
        retest = RETEST_WEEKS
        draft.because(
            f"{'Test' if band == BAND_UNKNOWN else 'Retest'} after about {RETEST_WEEKS} weeks on this dose, when the "
            "level is close to its new plateau.",
            SOURCE_HALF_LIFE,
        )
    draft.because(
        "This is general information, not a diagnosis. For anyone with a condition or on medication, a clinician "
        "decides.",
        SOURCE_ES_2024,
    )

    refer = bool(stops) or band == BAND_DEFICIENT
    d3 = D3Dose(d3_iu) if d3_iu is not None else None
    return Recommendation(
        engine_version=ENGINE_VERSION,
        refer_to_clinician=refer,
        referral_reasons=tuple(draft.referral_reasons),
        band=band,
        d3=d3,
        k2=k2,
        k2_alternative=K2Dose("MK-4", MK4_STUDIED_MCG) if k2 is not None else None,
        warnings=tuple(draft.warnings),
        rationale=tuple(draft.rationale),
        retest_after_weeks=retest,
        projection=projection,
        food_nutrients=_food_nutrients(a, band),
        products_allowed=not refer and (d3 is not None or k2 is not None),
        max_d3_iu_per_serving=min(math.floor(d3.daily_iu * 1.25), ADULT_UL_IU) if d3 and d3.daily_iu else None,
        max_k2_mcg_per_serving=math.floor(k2.daily_mcg * 1.25) if k2 else None,
    )


# --- serialisation ----------------------------------------------------------------------------------


def answers_to_dict(a: Answers) -> dict:
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
            {"value": a.blood_level.value, "unit": a.blood_level.unit} if a.blood_level is not None else None
        ),
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
}
_ANSWER_FIELDS = frozenset({"age", "current_d3_iu", *_ANSWER_DEFAULTS})


def answers_from_dict(d: dict) -> Answers:
    """Rebuild Answers from answers_to_dict output; raises InvalidAnswers (never KeyError/TypeError)."""
    if not isinstance(d, dict):
        raise InvalidAnswers({"answers": "Answers must be a mapping of field names to values."})
    missing = {name: "This answer is required." for name in ("age", "current_d3_iu") if name not in d}
    if missing:
        raise InvalidAnswers(missing)
    values = {**_ANSWER_DEFAULTS, **{name: value for name, value in d.items() if name in _ANSWER_FIELDS}}
    raw_level = values["blood_level"]
    if raw_level is not None:
        if not isinstance(raw_level, dict) or set(raw_level) != {"value", "unit"}:
            raise InvalidAnswers({"blood_level": "Give the blood level as a value and a unit."})
        values["blood_level"] = BloodLevel(value=raw_level["value"], unit=raw_level["unit"])
    for name in ("goals", "conditions"):
        if not isinstance(values[name], list | tuple | set | frozenset):
            raise InvalidAnswers({name: "Give a list of names."})
        if not all(isinstance(item, str) for item in values[name]):
            raise InvalidAnswers({name: "Give a list of names."})
        values[name] = frozenset(values[name])
    return Answers(**values)


def recommendation_to_dict(r: Recommendation) -> dict:
    return {
        "engine_version": r.engine_version,
        "refer_to_clinician": r.refer_to_clinician,
        "referral_reasons": list(r.referral_reasons),
        "band": r.band,
        "d3": {"daily_iu": r.d3.daily_iu, "daily_mcg": r.d3.daily_mcg} if r.d3 else None,
        "k2": {"form": r.k2.form, "daily_mcg": r.k2.daily_mcg} if r.k2 else None,
        "k2_alternative": (
            {"form": r.k2_alternative.form, "daily_mcg": r.k2_alternative.daily_mcg} if r.k2_alternative else None
        ),
        "warnings": [{"code": w.code, "message": w.message} for w in r.warnings],
        "rationale": [{"text": line.text, "source": line.source} for line in r.rationale],
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
    }


def recommendation_from_dict(d: dict) -> Recommendation:
    """Rebuild a stored Recommendation (from recommendation_to_dict) to show it again as it was."""
    return Recommendation(
        engine_version=d["engine_version"],
        refer_to_clinician=d["refer_to_clinician"],
        referral_reasons=tuple(d["referral_reasons"]),
        band=d["band"],
        d3=D3Dose(d["d3"]["daily_iu"]) if d["d3"] else None,
        k2=K2Dose(d["k2"]["form"], d["k2"]["daily_mcg"]) if d["k2"] else None,
        k2_alternative=(
            K2Dose(d["k2_alternative"]["form"], d["k2_alternative"]["daily_mcg"]) if d["k2_alternative"] else None
        ),
        warnings=tuple(Warning(w["code"], w["message"]) for w in d["warnings"]),
        rationale=tuple(RationaleLine(line["text"], line["source"]) for line in d["rationale"]),
        retest_after_weeks=d["retest_after_weeks"],
        projection=(
            tuple(ProjectionPoint(**point) for point in d["projection"]) if d["projection"] is not None else None
        ),
        food_nutrients=tuple(d["food_nutrients"]),
        products_allowed=d["products_allowed"],
        max_d3_iu_per_serving=d["max_d3_iu_per_serving"],
        max_k2_mcg_per_serving=d["max_k2_mcg_per_serving"],
    )
