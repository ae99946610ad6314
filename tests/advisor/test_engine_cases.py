"""Advisor engine cases written from the domain facts and the advisor policy, version 2 (no database).

Expected doses are worked out by hand from the rules: the new total D3 from all sources is the
smallest 500 IU step whose plateau reaches 35 ng/mL on the saturating middle curve
Δ(d) = 51.1·(1 − e^(−d/7,300)) ng/mL (Heaney's initial 7 ng/mL per 1,000 IU; the dose ×1.5
overweight, ×2.5 obese), capped at 4,000 IU (the RDA with a soft flag); the no-test default is the RDA
(600, 800 over 70) raised one step (1,000 / 1,500 / 2,000) per risk point (75 or over: one; BMI 30 or
over: two; a lot of sun: minus one); K2 MK-7 starts at the AI (90 F / 120 M / 100), 180 above 2,000 IU
of D3, one step lower with natto at least weekly.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from advisor import engine
from advisor.engine import Answers, BloodLevel, PrescriptionD3, recommend

NORMAL = {"weight_kg": 70, "height_cm": 175}  # BMI 22.9
OVERWEIGHT = {"weight_kg": 83, "height_cm": 175}  # BMI 27.1
OBESE = {"weight_kg": 107, "height_cm": 175}  # BMI 34.9
TODAY = date.today()


def ng(value: float, tested_days_ago: int | None = None) -> BloodLevel:
    tested_on = TODAY - timedelta(days=tested_days_ago) if tested_days_ago is not None else None
    return BloodLevel(value, "ng/mL", tested_on)


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def case(case_id: str, answers: dict, **expected):
    return pytest.param({"age": 40, "current_d3_iu": 0, **answers}, expected, id=case_id)


CASES = [
    # No blood test: RDA-based conservative default, and a first test (never "retest").
    case("unknown-adult-default", {}, band="unknown", refer=False, d3=600, k2=100, products=True, retest=12),
    case("unknown-over-70-rda-800", {"age": 72}, d3=800, k2=100),
    case("unknown-age-75-one-step", {"age": 76}, d3=1000),
    # v2: the RDA already assumes minimal sun, so little sun does not raise the default.
    case("unknown-low-sun-stays-at-rda", {"sun_exposure": "low"}, d3=600, no_text="rises for little sun"),
    case("unknown-high-sun-cancels-age", {"sun_exposure": "high", "age": 80}, d3=800),
    case("unknown-overweight-stays-at-rda", OVERWEIGHT, d3=600),
    case("unknown-obese-two-steps", OBESE, d3=1500),
    case("unknown-obese-over-75-2000", {**OBESE, "age": 80}, d3=2000, k2=100),
    case(
        "unknown-current-above-ul",
        {"current_d3_iu": 5000},
        d3=600, products=True, d3_from_products=None, warnings={"current_above_ul", "above_no_test_default"},
    ),
    # Deficient: referral first, products withheld, dose only as information within the UL.
    case(
        "deficient-8-refer-dose-capped",
        {"blood_level": ng(8)},
        band="deficient", refer=True, products=False, d3=4000, k2=180, retest=12,
    ),
    case("deficient-nmol-l", {"blood_level": BloodLevel(25, "nmol/L")}, band="deficient", refer=True, d3=4000),
    # Inadequate / adequate: the smallest step whose plateau reaches 35 ng/mL.
    case(
        "inadequate-15-normal",
        {"blood_level": ng(15), **NORMAL},
        band="inadequate", refer=False, products=True, d3=4000, k2=180, retest=12,  # Δ ≥ 20 → 3,620 → 4,000
    ),
    case("adequate-25-normal", {"blood_level": ng(25), **NORMAL}, band="adequate", d3=2000, k2=100),  # → 1,590
    case("adequate-25-female-ai-90", {"blood_level": ng(25), "sex": "female"}, d3=2000, k2=90),
    case("adequate-25-male-ai-120", {"blood_level": ng(25), "sex": "male"}, d3=2000, k2=120),
    case(
        "adequate-25-on-1000-new-total",
        {"blood_level": ng(25), "current_d3_iu": 1000},
        d3=3000, k2=180, change="instead of your 1,000 IU",  # Δ(d) ≥ 10 + 6.55 → 2,857 → 3,000
    ),
    case("adequate-25-overweight", {"blood_level": ng(25), **OVERWEIGHT}, d3=2500),  # 1.5 × 1,590 → 2,385
    case("adequate-25-in-nmol-l", {"blood_level": BloodLevel(62.4, "nmol/L")}, band="adequate", d3=2000),
    case("adequate-just-below-30", {"blood_level": ng(29.9)}, band="adequate", d3=1000),  # Δ ≥ 5.1 → 767
    # Target: never raised.
    case(
        "target-no-current-no-d3",
        {"blood_level": ng(40)},
        band="target", d3=None, k2=100, products=True, retest=None,
    ),
    case("target-keeps-current", {"blood_level": ng(40), "current_d3_iu": 2000}, d3=2000, retest=None),
    case("target-keeps-odd-current", {"blood_level": ng(30), "current_d3_iu": 1234}, d3=1234),
    case(
        "target-current-above-ul-cut-to-ul",
        {"blood_level": ng(45), "current_d3_iu": 6000},
        d3=4000, retest=12, warnings={"current_above_ul"}, d3_from_products=None,
    ),
    # High / very high: no added D3 and a concrete target.
    case(
        "high-60-on-3000-stop",
        {"blood_level": ng(60), "current_d3_iu": 3000},
        band="high", refer=False, d3=None, k2=100, retest=12, warnings={"reduce_d3"},
        text="stop taking vitamin D supplements",
    ),
    case(
        "high-55-on-4000-reduce-to-a-number",
        {"blood_level": ng(55), "current_d3_iu": 4000},
        band="high", d3=None, warnings={"reduce_d3"}, text="down to 1,500 IU a day",
    ),
    case("high-100-still-high", {"blood_level": ng(100)}, band="high", refer=False, d3=None),
    case(
        "very-high-120-hard-stop",
        {"blood_level": ng(120)},
        band="very_high", refer=True, d3=None, k2=None, products=False, retest=None, no_warnings={"urgent_level"},
    ),
    # Hard stops.
    case(
        "under-18", {"age": 17}, refer=True, d3=None, k2=None, products=False, reason_contains="paediatrician",
        no_text="Under 18: no adult dose",
    ),
    case(
        "pregnant-or-breastfeeding",
        {"conditions": frozenset({"pregnant_or_breastfeeding"}), "blood_level": ng(25)},
        refer=True, d3=None, k2=None, products=False, reason_contains="prenatal",
    ),
    case("trying-to-conceive", {"conditions": frozenset({"trying_to_conceive"})}, refer=True, d3=None, k2=None),
    case("kidney-disease", {"conditions": frozenset({"kidney_disease"})}, refer=True, d3=None, k2=None),
    case("high-calcium", {"conditions": frozenset({"high_calcium"})}, refer=True, d3=None, products=False),
    case("hyperparathyroidism", {"conditions": frozenset({"hyperparathyroidism"})}, refer=True, d3=None, k2=None),
    case("kidney-stones", {"conditions": frozenset({"kidney_stones"})}, refer=True, d3=None, products=False),
    case(
        "granulomatous-disease",
        {"conditions": frozenset({"granulomatous_disease"}), "blood_level": ng(15)},
        refer=True, d3=None, k2=None, reason_contains="granulomatous",
    ),
    case("lymphoma", {"conditions": frozenset({"lymphoma"}), "blood_level": ng(25)}, refer=True, d3=None, k2=None),
    # Blood thinners (v2): no K2 at all, D3 by the bands, "tell your prescriber" first; no referral.
    case(
        "anticoagulants-v1-code-no-k2-d3-allowed",
        {"conditions": frozenset({"anticoagulants"})},
        refer=False, d3=600, k2=None, products=True, warnings={"no_k2_anticoagulant", "blood_thinner_tell_prescriber"},
        food=("d3",), first_warning="blood_thinner_tell_prescriber",
    ),
    case(
        "aspirin-antiplatelet-gets-d3-not-k2",
        {"medications": frozenset({"other_anticoagulant_or_antiplatelet"}), "blood_level": ng(25)},
        refer=False, d3=2000, k2=None, products=True, food=("d3",),
    ),
    case(
        "bleeding-disorder-no-k2",
        {"conditions": frozenset({"bleeding_disorder"}), "blood_level": ng(40), "current_d3_iu": 1000},
        refer=False, d3=1000, k2=None,
    ),
    # Soft flags: D3 at most the RDA, each with its own "tell your prescriber"; statins a note only.
    case(
        "thiazide-capped-at-rda",
        {"medications": frozenset({"thiazide"}), "blood_level": ng(15)},
        refer=False, d3=600, k2=100, products=True, warnings={"thiazide_tell_prescriber", "dose_capped"},
        no_text="aims at 35",
    ),
    case(
        "thiazide-v1-code-over-70-rda-800",
        {"conditions": frozenset({"thiazide_diuretics"}), "age": 76},
        d3=800, warnings={"thiazide_tell_prescriber"},
    ),
    case("digoxin-capped", {"medications": frozenset({"digoxin"}), "blood_level": ng(20)}, d3=600,
         warnings={"digoxin_tell_prescriber"}),
    case("corticosteroid-capped", {"medications": frozenset({"corticosteroid"})}, d3=600,
         warnings={"corticosteroid_tell_prescriber"}),
    case("anticonvulsant-capped", {"medications": frozenset({"anticonvulsant"}), "blood_level": ng(18)}, d3=600),
    case("orlistat-two-hours-apart", {"medications": frozenset({"orlistat"})}, d3=600, text="2 hours apart"),
    case("bile-acid-two-hours-apart", {"medications": frozenset({"bile_acid_sequestrant"})}, text="2 hours apart"),
    case("malabsorption-capped", {"conditions": frozenset({"malabsorption"}), "blood_level": ng(15)}, d3=600,
         refer=False),
    case("statin-note-only", {"medications": frozenset({"statin"}), "blood_level": ng(25)}, d3=2000,
         warnings={"statin_note"}),
    # K2: natto apart from other K2 foods; hard cheese never lowers the dose.
    case("natto-weekly-male-to-90", {"eats_natto_weekly": True, "sex": "male"}, k2=90),
    case("natto-weekly-high-d3-to-120", {"eats_natto_weekly": True, "blood_level": ng(15)}, d3=4000, k2=120),
    case("daily-cheese-does-not-lower-k2", {"k2_food_frequency": "daily", "sex": "male"}, k2=120),
    case("daily-cheese-high-d3-stays-180", {"k2_food_frequency": "daily", "blood_level": ng(15)}, k2=180),
    # Other sources (v2): the total counts, products fill the rest.
    case(
        "multivitamin-kept-products-fill-the-rest",
        {"blood_level": ng(25), "other_d3_daily_iu": 400},
        # Δ(d) ≥ 35 − 25 + Δ(400) = 12.7 → 2,088 → 2,500 in total, 2,100 of it from products
        d3=2500, d3_from_products=2100, change="keep your 400 IU from other sources and add 2,100 IU of D3",
    ),
    case(
        "cod-liver-oil-above-the-dose",
        {"blood_level": ng(45), "other_d3_daily_iu": 1000, "medications": frozenset({"thiazide"})},
        d3=600, d3_from_products=0, warnings={"other_sources_above_dose"},
    ),
]


@pytest.mark.parametrize(("answers", "expected"), CASES)
def test_engine_case(answers, expected):
    result = recommend(Answers(**answers))
    text = " ".join([*result.referral_reasons, *(w.message for w in result.warnings),
                     *(line.text for line in result.rationale)])

    if "band" in expected:
        assert result.band == expected["band"]
    if "refer" in expected:
        assert result.refer_to_clinician is expected["refer"]
        assert bool(result.referral_reasons) is expected["refer"]
    if "d3" in expected:
        assert (result.d3.daily_iu if result.d3 else None) == expected["d3"]
    if "k2" in expected:
        assert (result.k2.daily_mcg if result.k2 else None) == expected["k2"]
        if result.k2:
            assert result.k2.form == "MK-7"
    if "products" in expected:
        assert result.products_allowed is expected["products"]
    if "retest" in expected:
        assert result.retest_after_weeks == expected["retest"]
    if "warnings" in expected:
        assert expected["warnings"] <= {w.code for w in result.warnings}
    if "no_warnings" in expected:
        assert not expected["no_warnings"] & {w.code for w in result.warnings}
    if "first_warning" in expected:
        assert result.warnings[0].code == expected["first_warning"]
    if "reason_contains" in expected:
        assert expected["reason_contains"].lower() in " ".join(result.referral_reasons).lower()
    if "food" in expected:
        assert result.food_nutrients == expected["food"]
    if "d3_from_products" in expected:
        assert result.d3_from_products_iu == expected["d3_from_products"]
    if "change" in expected:
        assert result.d3_change == expected["change"]
    if "text" in expected:
        assert expected["text"] in text
    if "no_text" in expected:
        assert expected["no_text"] not in text

    # Always: never above the UL, MK-4 only at 1,500 mcg, a sourced rationale with the disclaimer.
    assert result.d3 is None or result.d3.daily_iu <= 4000
    assert (result.k2_alternative is None) is (result.k2 is None)
    if result.k2_alternative is not None:
        assert (result.k2_alternative.form, result.k2_alternative.daily_mcg) == ("MK-4", 1500)
    assert all(line.text and line.source for line in result.rationale)
    assert any("not a diagnosis" in line.text for line in result.rationale)
    assert len(result.clinician_questions) == len(result.referral_reasons)


def test_at_least_50_cases():
    assert len(CASES) >= 50


# --- the personas of issue 11, each a defect of version 1 --------------------------------------------

PERSONAS = [
    pytest.param(
        {"age": 60, "current_d3_iu": 50_000, "blood_level": ng(35)},
        {"refer": True, "d3": None, "products": False, "reason": "50,000 IU", "first_warning": "current_above_ul"},
        id="issue-1a-50000-iu-a-day-is-referred",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 10_000, "blood_level": ng(25)},
        {"refer": True, "d3": None, "k2": None, "products": False, "reason": "10,000 IU/day", "no_text": "aims at"},
        id="issue-1b-10000-iu-a-day-is-referred-not-sold-the-pair",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 0, "prescription_d3": PrescriptionD3(50_000, 7), "blood_level": ng(25)},
        {"refer": True, "d3": None, "products": False, "reason": "prescribed"},
        id="v2-any-prescription-dose-is-referred",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 3000, "other_d3_daily_iu": 2000, "blood_level": ng(25)},
        {"refer": False, "d3": 4000, "products": True, "d3_from_products": None, "first_warning": "current_above_ul",
         "reason": None},
        id="v2-5000-from-all-sources-no-product-adds-d",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 0, "blood_level": ng(160),
         "conditions": frozenset({"kidney_disease", "pregnant_or_breastfeeding", "lymphoma"})},
        {"refer": True, "d3": None, "urgent": True, "first_reason": "Urgent", "first_warning": "urgent_level"},
        id="issue-2-toxic-level-is-first-whatever-else-applies",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 4000, "blood_level": ng(18, tested_days_ago=7), "current_d3_since": days_ago(200),
         **OBESE},
        {"refer": True, "d3": None, "products": False, "reason": "weak response"},
        id="issue-3-non-responder-on-4000-for-27-weeks-is-referred",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 4000, "blood_level": ng(18), **OBESE},
        {"refer": False, "d3": 4000, "retest": 12, "warnings": {"possible_weak_response", "dose_capped"},
         "no_text": "aims at"},
        id="issue-3-unknown-duration-is-not-12-weeks-but-says-so",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 0, "blood_level": ng(11.9)},
        {"refer": True, "band": "deficient", "reason": "below 12 ng/mL", "questions": True},
        id="issue-4-11.9-refers-with-a-reason-and-a-question",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 0, "blood_level": ng(15), "medications": frozenset({"thiazide"})},
        {"d3": 600, "plateau_capped": True, "text": "level off around 19 ng/mL", "no_text": "aims at"},
        id="issue-5a-thiazide-cap-states-its-plateau",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 0, "blood_level": ng(15), **OBESE},
        {"d3": 4000, "plateau_capped": True, "text": "level off around 25 ng/mL", "no_text": "aims at"},
        id="issue-5b-obese-cap-states-its-plateau",
    ),
    pytest.param(
        {"age": 75, "current_d3_iu": 2000, "medications": frozenset({"thiazide"})},
        {"d3": 800, "text": "no-test default of 800 IU", "no_text": "1,000 IU/day"},
        id="issue-5c-thiazide-at-75-warning-names-the-dose-given",
    ),
    pytest.param(
        # 15 days on 2,000 IU: half of Δ(2000) = 12.3 is still to come, 24 → 30.2, inside 30–50: not raised.
        {"age": 40, "current_d3_iu": 2000, "blood_level": ng(24, tested_days_ago=3), "current_d3_since": days_ago(18)},
        {"warnings": {"level_not_at_plateau"}, "d3": 2000},
        id="v2-an-early-test-is-projected-to-its-plateau",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 0, "blood_level": BloodLevel(29.95, "nmol/L")},
        {"reason": "29.95 nmol/L (11.999 ng/mL)", "no_reason": "12.0 ng/mL"},
        id="issue-8-nmol-display-never-reads-as-the-threshold",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 0},
        {"text": "first 25(OH)D test", "no_text": "Retest"},
        id="issue-8-untested-people-get-a-first-test-not-a-retest",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 1000, "blood_level": ng(70)},
        {"text": "stop taking vitamin D supplements", "no_text": "reduce what you take now"},
        id="issue-8-reduce-says-to-what",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 0, "sex": "male"},
        {"text": "not as a K2 need", "k2": 120},
        id="issue-8-k-ai-is-a-starting-dose-not-a-k2-need",
    ),
    pytest.param(
        {"age": 40, "current_d3_iu": 0, "medications": frozenset({"other_anticoagulant_or_antiplatelet"})},
        {"refer": False, "d3": 600, "k2": None, "products": True, "first_warning": "blood_thinner_tell_prescriber"},
        id="issue-8-aspirin-users-get-d3-not-k2",
    ),
]


@pytest.mark.parametrize(("answers", "expected"), PERSONAS)
def test_issue_persona(answers, expected):
    result = recommend(Answers(**answers))
    reasons = " ".join(result.referral_reasons)
    text = " ".join([reasons, *(w.message for w in result.warnings), *(line.text for line in result.rationale)])
    if "refer" in expected:
        assert result.refer_to_clinician is expected["refer"]
    if "band" in expected:
        assert result.band == expected["band"]
    if "d3" in expected:
        assert (result.d3.daily_iu if result.d3 else None) == expected["d3"]
    if "k2" in expected:
        assert (result.k2.daily_mcg if result.k2 else None) == expected["k2"]
    if "products" in expected:
        assert result.products_allowed is expected["products"]
    if "d3_from_products" in expected:
        assert result.d3_from_products_iu == expected["d3_from_products"]
    if expected.get("reason"):
        assert expected["reason"] in reasons
    if "reason" in expected and expected["reason"] is None:
        assert not result.referral_reasons
    if "no_reason" in expected:
        assert expected["no_reason"] not in reasons
    if "first_reason" in expected:
        assert result.referral_reasons[0].startswith(expected["first_reason"])
    if "first_warning" in expected:
        assert result.warnings[0].code == expected["first_warning"]
    if "urgent" in expected:
        assert result.urgent is expected["urgent"]
    if "warnings" in expected:
        assert expected["warnings"] <= {w.code for w in result.warnings}
    if "retest" in expected:
        assert result.retest_after_weeks == expected["retest"]
    if "questions" in expected:
        assert result.clinician_questions and all(q.startswith("Ask") for q in result.clinician_questions)
    if "plateau_capped" in expected:
        assert result.plateau.capped is expected["plateau_capped"]
    if "text" in expected:
        assert expected["text"] in text
    if "no_text" in expected:
        assert expected["no_text"] not in text


# --- other rules ----------------------------------------------------------------------------------


def test_worked_example_steady_state_lands_in_target_band():
    result = recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(15), **NORMAL))
    final = result.projection[-1]
    # 15 + 51.1·(1 − e^(−4000/7300)) = 36.6 at plateau; after 16 weeks the curve is within 0.2 of it.
    assert 35 <= final.ng_ml <= 37
    assert final.low_ng_ml < final.ng_ml < final.high_ng_ml
    assert final.high_ng_ml <= 50  # even the Vieth estimate stays inside the target band
    assert result.plateau.capped is False and "37 ng/mL" in result.plateau.text


def test_mk4_never_at_the_45_mg_drug_dose():
    for answers, _expected in (param.values for param in CASES + PERSONAS):
        result = recommend(Answers(**answers))
        for k2 in (result.k2, result.k2_alternative):
            assert k2 is None or k2.daily_mcg <= 1500


def test_urgent_comes_first_then_the_other_stops_in_policy_order():
    result = recommend(
        Answers(age=17, current_d3_iu=0, conditions=frozenset({"kidney_disease"}), blood_level=ng(160))
    )
    reasons = result.referral_reasons
    assert len(reasons) == 3
    assert reasons[0].startswith("Urgent")
    assert "under 18" in reasons[1]
    assert "kidney disease" in reasons[2]
    assert result.warnings[0].code == "urgent_level"

    deficient_and_pregnant = recommend(
        Answers(age=30, current_d3_iu=0, conditions=frozenset({"pregnant_or_breastfeeding"}), blood_level=ng(8))
    )
    assert "pregnant" in deficient_and_pregnant.referral_reasons[0]
    assert "below 12 ng/mL" in deficient_and_pregnant.referral_reasons[1]
    assert deficient_and_pregnant.d3 is None


def test_deficient_referral_is_first_even_with_a_dose():
    result = recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(8)))
    assert result.referral_reasons[0].startswith("Your 25(OH)D of 8.0 ng/mL (20.0 nmol/L) is below 12")
    assert result.d3 is not None and result.products_allowed is False


def test_projection_shape():
    result = recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(18), **OVERWEIGHT))
    points = result.projection
    assert [p.week for p in points] == list(range(17))
    assert points[0].ng_ml == points[0].low_ng_ml == points[0].high_ng_ml == 18.0
    for earlier, later in zip(points, points[1:], strict=False):
        assert earlier.ng_ml < later.ng_ml
        assert later.low_ng_ml <= later.ng_ml <= later.high_ng_ml
    # Each week closes the same share (1 − 0.5^(7/15)) of the remaining gap to the plateau.
    gaps = [points[-1].ng_ml - p.ng_ml for p in points[:4]]
    assert gaps[1] / gaps[0] == pytest.approx(0.5 ** (7 / 15), abs=0.02)


def test_projection_falls_gently_when_intake_above_ul_is_cut():
    result = recommend(Answers(age=40, current_d3_iu=8000, blood_level=ng(45)))
    assert result.d3.daily_iu == 4000
    points = result.projection
    assert points[0].ng_ml == 45.0
    assert all(earlier.ng_ml > later.ng_ml for earlier, later in zip(points, points[1:], strict=False))
    # Saturating curve: 8,000 → 4,000 IU loses Δ(8000) − Δ(4000) ≈ 12 ng/mL, not 28 as a straight line said.
    assert 30 < points[-1].ng_ml < 35
    assert all(p.low_ng_ml > 0 for p in points)


def test_an_early_test_projects_a_higher_plateau_and_a_lower_dose_than_a_settled_one():
    settled = recommend(Answers(age=40, current_d3_iu=1000, blood_level=ng(22)))
    early = recommend(
        Answers(age=40, current_d3_iu=1000, blood_level=ng(22, tested_days_ago=1), current_d3_since=days_ago(15))
    )
    assert early.d3.daily_iu < settled.d3.daily_iu
    assert early.projection[0].ng_ml == 22.0


def test_no_projection_without_a_level_or_without_d3():
    assert recommend(Answers(age=40, current_d3_iu=0)).projection is None
    assert recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(40))).projection is None
    assert recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(60))).projection is None


def test_above_2000_iu_k2_rationale_says_why():
    result = recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(15)))
    texts = " ".join(line.text for line in result.rationale)
    assert "K-dependent proteins" in texts
    assert "Seed article: Vitamin D and K2 — better together?" in {line.source for line in result.rationale}


def test_named_choices_appear_in_the_rationale():
    reached = recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(25), **OBESE))
    texts = " ".join(line.text for line in reached.rationale)
    assert "about 35 ng/mL" in texts
    assert "2.5" in texts
    internals = [line for line in reached.rationale if line.internal]
    assert any("500 IU" in line.text for line in internals)
    assert any("7,300" in line.text for line in internals)
    assert "Endocrine Society 2024" in " ".join(
        line.text for line in recommend(Answers(age=40, current_d3_iu=0)).rationale
    )


def test_product_limits_follow_what_products_should_add():
    result = recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(25)))
    assert result.max_d3_iu_per_serving == 2500  # 2,000 × 1.25
    assert result.max_k2_mcg_per_serving == 125  # 100 × 1.25
    with_multivitamin = recommend(Answers(age=40, current_d3_iu=0, other_d3_daily_iu=800, blood_level=ng(15)))
    assert with_multivitamin.d3_from_products_iu == 3200
    assert with_multivitamin.max_d3_iu_per_serving == 3200  # 4,000 from all sources at most
    none = recommend(Answers(age=40, current_d3_iu=0, conditions=frozenset({"kidney_disease"})))
    assert none.max_d3_iu_per_serving is None and none.max_k2_mcg_per_serving is None


# --- personal dose-response from retests (policy v2) -------------------------------------------------


def history(*tests: tuple[float, int, int]) -> tuple:
    """Earlier tests as (ng/mL, days ago, IU a day before the test)."""
    from advisor.engine import PreviousTest

    return tuple(PreviousTest(days_ago(days), value, daily_iu) for value, days, daily_iu in tests)


def test_a_strong_own_response_lowers_the_dose_a_weak_one_raises_it():
    base = {"age": 40, "current_d3_iu": 1000, "blood_level": ng(24, tested_days_ago=10),
            "current_d3_since": days_ago(130)}
    average = recommend(Answers(**base))
    # 15 → 24 ng/mL on 0 → 1,000 IU: +9 where the middle curve expects +6.6 (×1.4 or so).
    strong = recommend(Answers(**base, previous_tests=history((15, 140, 0))))
    # 21 → 24 on the same change: +3, about half the middle curve.
    weak = recommend(Answers(**base, previous_tests=history((21, 140, 0))))

    assert strong.d3.daily_iu < average.d3.daily_iu < weak.d3.daily_iu
    assert "times as strongly as average" in strong.personal.text
    assert "lower than the population formula" in strong.personal.text
    assert "higher than the population formula" in weak.personal.text


def test_the_same_dose_before_both_tests_says_nothing_and_the_estimate_stays_average():
    base = {"age": 40, "current_d3_iu": 1000, "blood_level": ng(24, tested_days_ago=10)}
    flat = recommend(Answers(**base, previous_tests=history((20, 200, 1000))))

    assert flat.d3 == recommend(Answers(**base)).d3
    assert "say nothing yet" in " ".join(line.text for line in flat.rationale)


def test_an_own_response_below_a_third_of_expected_is_referred():
    # 0 → 2,000 → 4,000 IU, 20 weeks each, and the level moved 20 → 21: about a twentieth of the expected +22
    # (above 20 ng/mL, so it is the own response that refers, not the 2,000 IU / 12 weeks / below 20 rule).
    result = recommend(Answers(
        age=40, current_d3_iu=4000, blood_level=ng(21, tested_days_ago=5), current_d3_since=days_ago(145),
        previous_tests=history((20, 290, 0), (20.5, 145, 2000)),
    ))

    assert result.refer_to_clinician is True
    assert result.d3 is None and result.products_allowed is False
    assert "less than a third" in result.referral_reasons[0]


def test_the_own_response_never_lifts_the_dose_past_the_cap():
    result = recommend(Answers(
        age=40, current_d3_iu=1000, blood_level=ng(22, tested_days_ago=5), previous_tests=history((19, 200, 0)),
    ))
    assert result.d3.daily_iu <= 4000


def test_a_level_that_hardly_moved_keeps_the_dose_without_a_referral_when_the_tests_cannot_tell():
    # 0 → 1,000 IU and 25 → 25.3 ng/mL: the middle curve expects +6.5, but 10 % assay error could hide it.
    result = recommend(Answers(
        age=40, current_d3_iu=1000, blood_level=ng(25.3, tested_days_ago=5), current_d3_since=days_ago(125),
        previous_tests=history((25, 125, 0)),
    ))

    assert result.refer_to_clinician is False
    assert result.d3.daily_iu == 1000  # kept, never raised
    assert any(w.code == engine.WARNING_LEVEL_BARELY_MOVED for w in result.warnings)
    assert "hardly moved" in result.personal.text and "keeps your dose at 1,000 IU" in result.personal.text
