"""Advisor engine cases written from the domain facts and the advisor policy (no database).

Expected doses are worked out by hand from the rules: the new total D3 aims at 35 ng/mL with
Heaney's ≈7 ng/mL per 1,000 IU/day (÷1.5 overweight, ÷2.5 obese), is rounded up to 500 IU steps and
capped at 4,000 IU; the no-test default is the RDA (600, 800 over 70) raised one step (1,000 / 1,500 /
2,000) per risk point; K2 MK-7 starts at the AI (90 F / 120 M / 100), 180 above 2,000 IU of D3, one
step lower with daily K2-rich food.
"""
from __future__ import annotations

import pytest

from advisor.engine import Answers, BloodLevel, recommend

NORMAL = {"weight_kg": 70, "height_cm": 175}  # BMI 22.9
OVERWEIGHT = {"weight_kg": 83, "height_cm": 175}  # BMI 27.1
OBESE = {"weight_kg": 107, "height_cm": 175}  # BMI 34.9


def ng(value: float) -> BloodLevel:
    return BloodLevel(value, "ng/mL")


def case(case_id: str, answers: dict, **expected):
    return pytest.param({"age": 40, "current_d3_iu": 0, **answers}, expected, id=case_id)


CASES = [
    # No blood test: RDA-based conservative default.
    case("unknown-adult-default", {}, band="unknown", refer=False, d3=600, k2=100, products=True, retest=12),
    case("unknown-over-70-rda-800", {"age": 72}, d3=800, k2=100),
    case("unknown-age-75-one-step", {"age": 76}, d3=1000),
    case("unknown-low-sun-one-step", {"sun_exposure": "low"}, d3=1000),
    case("unknown-high-sun-stays-at-rda", {"sun_exposure": "high"}, d3=600),
    case("unknown-overweight-one-step", OVERWEIGHT, d3=1000),
    case("unknown-overweight-high-sun-cancels", {**OVERWEIGHT, "sun_exposure": "high"}, d3=600),
    case("unknown-obese-two-steps", OBESE, d3=1500),
    case("unknown-obese-low-sun-2000", {**OBESE, "sun_exposure": "low"}, d3=2000, k2=100),
    case("unknown-every-risk-capped-2000", {**OBESE, "sun_exposure": "low", "age": 80}, d3=2000),
    case(
        "unknown-current-above-ul",
        {"current_d3_iu": 10_000},
        d3=600,
        warnings={"current_above_ul", "above_no_test_default"},
    ),
    # Deficient: referral first, products withheld, dose only as information within the UL.
    case(
        "deficient-8-refer-dose-capped",
        {"blood_level": ng(8)},
        band="deficient", refer=True, products=False, d3=4000, k2=180, retest=12,  # 27/7 → 3,857 → 4,000
    ),
    case("deficient-5-capped-at-ul", {"blood_level": ng(5)}, band="deficient", d3=4000),
    case("deficient-nmol-l", {"blood_level": BloodLevel(25, "nmol/L")}, band="deficient", refer=True, d3=4000),
    # Inadequate / adequate: dose to reach 35 ng/mL.
    case(
        "worked-example-15-to-30-plus",
        {"blood_level": ng(15), **NORMAL},
        band="inadequate", refer=False, products=True, d3=3000, k2=180, retest=12,  # 20/7 → 2,857 → 3,000
    ),
    case("inadequate-obese-capped", {"blood_level": ng(15), **OBESE}, d3=4000),  # 20/2.8 → 7,143
    case("adequate-25-normal", {"blood_level": ng(25), **NORMAL}, band="adequate", d3=1500, k2=100),
    case("adequate-25-female-ai-90", {"blood_level": ng(25), "sex": "female"}, d3=1500, k2=90),
    case("adequate-25-male-ai-120", {"blood_level": ng(25), "sex": "male"}, d3=1500, k2=120),
    case("adequate-25-on-1000-new-total", {"blood_level": ng(25), "current_d3_iu": 1000}, d3=2500, k2=180),
    case("adequate-25-overweight", {"blood_level": ng(25), **OVERWEIGHT}, d3=2500),  # 10/4.67 → 2,143
    case("adequate-25-in-nmol-l", {"blood_level": BloodLevel(62.4, "nmol/L")}, band="adequate", d3=1500),
    case("adequate-just-below-30", {"blood_level": ng(29.9)}, band="adequate", d3=1000),  # 5.1/7 → 729
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
        d3=4000, retest=12, warnings={"current_above_ul"},
    ),
    # High / very high.
    case(
        "high-60-no-d3-reduce",
        {"blood_level": ng(60), "current_d3_iu": 2000},
        band="high", refer=False, d3=None, k2=100, retest=12, warnings={"reduce_d3"},
    ),
    case("high-100-still-high", {"blood_level": ng(100)}, band="high", refer=False, d3=None),
    case(
        "very-high-120-hard-stop",
        {"blood_level": ng(120)},
        band="very_high", refer=True, d3=None, k2=None, products=False, retest=None, no_warnings={"urgent_level"},
    ),
    case(
        "very-high-160-urgent",
        {"blood_level": ng(160)},
        band="very_high", refer=True, d3=None, k2=None, warnings={"urgent_level"}, reason_contains="Urgent",
    ),
    # Hard stops.
    case("under-18", {"age": 17}, refer=True, d3=None, k2=None, products=False, reason_contains="under 18"),
    case(
        "pregnant-or-breastfeeding",
        {"conditions": frozenset({"pregnant_or_breastfeeding"}), "blood_level": ng(25)},
        refer=True, d3=None, k2=None, products=False, reason_contains="prenatal",
    ),
    case(
        "anticoagulants-no-k2",
        {"conditions": frozenset({"anticoagulants"})},
        refer=True, d3=None, k2=None, products=False, warnings={"no_k2_anticoagulant"}, food=("d3",),
    ),
    case("kidney-disease", {"conditions": frozenset({"kidney_disease"})}, refer=True, d3=None, k2=None),
    case("high-calcium", {"conditions": frozenset({"high_calcium"})}, refer=True, d3=None, products=False),
    case(
        "granulomatous-disease",
        {"conditions": frozenset({"granulomatous_disease"}), "blood_level": ng(15)},
        refer=True, d3=None, k2=None, reason_contains="granulomatous",
    ),
    # Thiazides: D3 at most the RDA, K2 as usual.
    case(
        "thiazide-capped-at-rda",
        {"conditions": frozenset({"thiazide_diuretics"}), "blood_level": ng(15)},
        refer=False, d3=600, k2=100, products=True, warnings={"thiazide_tell_prescriber"},
    ),
    case(
        "thiazide-over-70-rda-800",
        {"conditions": frozenset({"thiazide_diuretics"}), "age": 76, "sun_exposure": "low"},
        d3=800, warnings={"thiazide_tell_prescriber"},
    ),
    # K2 food.
    case("daily-k2-food-female-stays-90", {"k2_food_frequency": "daily", "sex": "female"}, k2=90),
    case("daily-k2-food-male-to-90", {"k2_food_frequency": "daily", "sex": "male"}, k2=90),
    case("daily-k2-food-high-d3-to-120", {"k2_food_frequency": "daily", "blood_level": ng(15)}, d3=3000, k2=120),
    case("weekly-k2-food-unchanged", {"k2_food_frequency": "weekly", "sex": "male"}, k2=120),
]


@pytest.mark.parametrize(("answers", "expected"), CASES)
def test_engine_case(answers, expected):
    result = recommend(Answers(**answers))

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
    if "reason_contains" in expected:
        assert expected["reason_contains"].lower() in " ".join(result.referral_reasons).lower()
    if "food" in expected:
        assert result.food_nutrients == expected["food"]

    # Always: never above the UL, MK-4 only at 1,500 mcg, a sourced rationale with the disclaimer.
    assert result.d3 is None or result.d3.daily_iu <= 4000
    assert (result.k2_alternative is None) is (result.k2 is None)
    if result.k2_alternative is not None:
        assert (result.k2_alternative.form, result.k2_alternative.daily_mcg) == ("MK-4", 1500)
    assert all(line.text and line.source for line in result.rationale)
    assert any("not a diagnosis" in line.text for line in result.rationale)


def test_at_least_25_cases():
    assert len(CASES) >= 25


def test_worked_example_steady_state_lands_in_target_band():
    result = recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(15), **NORMAL))
    final = result.projection[-1]
    # 15 + 7 × 3.0 = 36 at plateau; after 16 weeks (7.5 half-lives) the curve is within 0.2 of it.
    assert 30 <= final.ng_ml <= 36
    assert final.low_ng_ml < final.ng_ml < final.high_ng_ml
    assert final.high_ng_ml <= 50  # even the Vieth estimate stays inside the target band


def test_mk4_never_at_the_45_mg_drug_dose():
    for answers, _expected in (param.values for param in CASES):
        result = recommend(Answers(**answers))
        for k2 in (result.k2, result.k2_alternative):
            assert k2 is None or k2.daily_mcg <= 1500


def test_hard_stop_reasons_come_first_in_policy_order_then_deficiency():
    result = recommend(
        Answers(age=17, current_d3_iu=0, conditions=frozenset({"anticoagulants"}), blood_level=ng(160))
    )
    reasons = result.referral_reasons
    assert len(reasons) == 3
    assert "under 18" in reasons[0]
    assert "blood thinner" in reasons[1]
    assert reasons[2].startswith("Urgent")

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


def test_projection_falls_when_intake_above_ul_is_cut():
    result = recommend(Answers(age=40, current_d3_iu=8000, blood_level=ng(45)))
    assert result.d3.daily_iu == 4000
    points = result.projection
    assert points[0].ng_ml == 45.0
    assert all(earlier.ng_ml > later.ng_ml for earlier, later in zip(points, points[1:], strict=False))
    assert all(p.low_ng_ml > 0 for p in points)


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
    result = recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(15), **OBESE))
    texts = " ".join(line.text for line in result.rationale)
    assert "aims at 35 ng/mL" in texts
    assert "2.5" in texts
    assert "rounded up to the next 500 IU" in texts
    assert "Endocrine Society 2024" in " ".join(
        line.text for line in recommend(Answers(age=40, current_d3_iu=0)).rationale
    )


def test_serving_limits_follow_the_dose():
    result = recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(15)))
    assert result.max_d3_iu_per_serving == 3750  # 3,000 × 1.25
    assert result.max_k2_mcg_per_serving == 225  # 180 × 1.25
    capped = recommend(Answers(age=40, current_d3_iu=0, blood_level=ng(8)))
    assert capped.max_d3_iu_per_serving == 4000  # 4,000 × 1.25 would cross the UL
    none = recommend(Answers(age=40, current_d3_iu=0, conditions=frozenset({"kidney_disease"})))
    assert none.max_d3_iu_per_serving is None and none.max_k2_mcg_per_serving is None
