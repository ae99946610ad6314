"""Unit conversions and answer validation of the advisor engine (pure Python, no database)."""
from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from advisor import engine
from advisor.engine import Answers, BloodLevel, InvalidAnswers
from advisor.engine_dose import (
    aimed_total_dose,
    band_for_level,
    bmi_category,
    body_mass_index,
    dose_response_for,
    plateau_from_early_level,
    reduced_total_dose,
    steady_state,
)
from advisor.engine_history import DatedLevel, personal_response


def test_nmol_per_ng_factor_is_the_lab_manuals_2_496():
    assert pytest.approx(1.0) == engine.NG_ML_PER_NMOL_L * 2.496
    assert engine.nmol_l_to_ng_ml(49.92) == pytest.approx(20.0)
    assert engine.nmol_l_to_ng_ml(74.88) == pytest.approx(30.0)


def test_twenty_ng_is_49_9_nmol_not_50():
    # The ×2.5 shorthand would put 50 nmol/L at exactly 20 ng/mL; with 2.496 it is just above.
    assert BloodLevel(49.9, "nmol/L").ng_ml < 20
    assert band_for_level(BloodLevel(49.9, "nmol/L").ng_ml) == "inadequate"
    assert band_for_level(BloodLevel(50, "nmol/L").ng_ml) == "adequate"


def test_blood_level_in_either_unit_gives_the_same_ng_ml():
    assert BloodLevel(37.44, "nmol/L").ng_ml == BloodLevel(15, "ng/mL").ng_ml == 15.0


def test_blood_level_with_unknown_unit_raises():
    with pytest.raises(ValueError, match="Unknown unit"):
        _ = BloodLevel(30, "mg/dL").ng_ml


def test_pounds_to_kg():
    assert engine.pounds_to_kg(1) == pytest.approx(0.45359237)
    assert engine.pounds_to_kg(220.462) == pytest.approx(100.0, abs=1e-3)


def test_feet_inches_to_cm():
    assert engine.feet_inches_to_cm(6, 0) == pytest.approx(182.88)
    assert engine.feet_inches_to_cm(5, 9) == pytest.approx(175.26)
    assert engine.feet_inches_to_cm(0, 1) == pytest.approx(2.54)


def test_d3_mcg_is_iu_over_40():
    assert engine.D3Dose(1000).daily_mcg == 25.0
    assert engine.D3Dose(600).daily_mcg == 15.0


@pytest.mark.parametrize(
    ("weight", "height", "bmi", "category"),
    [
        (70, 175, 22.9, "normal"),
        (76.6, 175, 25.0, "overweight"),
        (91.9, 175, 30.0, "obese"),
        (99.8, 200, 25.0, "overweight"),  # exactly 24.95: rounds half up, whatever the float noise
        (None, 175, None, "unknown"),
        (70, None, None, "unknown"),
    ],
)
def test_bmi_is_rounded_to_one_decimal_before_banding(weight, height, bmi, category):
    assert body_mass_index(weight, height) == bmi
    assert bmi_category(body_mass_index(weight, height)) == category


@pytest.mark.parametrize(
    ("level", "band"),
    [
        (None, "unknown"), (1, "deficient"), (11.9999, "deficient"), (12, "inadequate"), (19.99, "inadequate"),
        (20, "adequate"), (29.99, "adequate"), (30, "target"), (50, "target"), (50.01, "high"), (100, "high"),
        (100.01, "very_high"), (400, "very_high"),
    ],
)
def test_band_edges(level, band):
    assert band_for_level(level) == band


NORMAL = dose_response_for("normal")
OBESE = dose_response_for("obese")


def test_the_curve_saturates_as_ekwaru_found():
    # Ekwaru 2014 (policy v2): about 12 nmol/L per 1,000 IU near 0 IU/day, about 1.1 at 15,000–20,000 IU/day.
    ekwaru = NORMAL.low
    near_zero = NORMAL.rise(1000, ekwaru) - NORMAL.rise(0, ekwaru)
    high = NORMAL.rise(18_000, ekwaru) - NORMAL.rise(17_000, ekwaru)
    assert near_zero * 2.496 == pytest.approx(11.2, abs=0.3)  # the mean slope over the first 1,000 IU
    assert high * 2.496 == pytest.approx(1.1, abs=0.15)


def test_the_linear_model_over_promised_at_high_doses():
    # The linear model said 4,000 IU adds 28 ng/mL (7 per 1,000); the saturating curve says less.
    assert NORMAL.rise(4000) < 0.8 * 28
    assert NORMAL.rise(1000) == pytest.approx(6.55, abs=0.05)


def test_obesity_needs_two_and_a_half_times_the_dose_for_the_same_rise():
    assert OBESE.rise(2500) == pytest.approx(NORMAL.rise(1000))
    assert dose_response_for("overweight").rise(1500) == pytest.approx(NORMAL.rise(1000))


def test_aimed_dose_is_the_smallest_500_step_reaching_35():
    dose = aimed_total_dose(plateau_ng_ml=25, current_iu=1000, response=NORMAL)
    assert dose % 500 == 0
    reached = steady_state(level_ng_ml=25, current_iu=1000, new_iu=dose, response=NORMAL)
    one_step_less = steady_state(level_ng_ml=25, current_iu=1000, new_iu=dose - 500, response=NORMAL)
    assert reached >= 35 > one_step_less
    assert aimed_total_dose(plateau_ng_ml=5, current_iu=0, response=OBESE) == 4000  # capped
    assert aimed_total_dose(plateau_ng_ml=15, current_iu=0, response=NORMAL, cap=600) == 600


def test_a_reduction_never_projects_below_zero_or_absurd_drops():
    # The linear model's floor (level × new / current) took 25 ng/mL on 10,000 IU down to 10 at 4,000 IU.
    plateau = steady_state(level_ng_ml=25, current_iu=10_000, new_iu=4000, response=NORMAL)
    assert 10 < plateau < 25
    assert steady_state(level_ng_ml=5, current_iu=10_000, new_iu=0, response=NORMAL) == pytest.approx(0)
    assert steady_state(level_ng_ml=5, current_iu=10_000, new_iu=4000, response=NORMAL) > 0


def test_a_level_measured_early_is_projected_to_its_plateau():
    # Two half-lives (30 days) after starting 2,000 IU, a quarter of the rise is still to come.
    plateau = plateau_from_early_level(
        level_ng_ml=20, daily_iu=2000, previous_iu=0, days_on_dose=30, response=NORMAL
    )
    assert plateau == pytest.approx(20 + NORMAL.rise(2000) * 0.25)
    assert plateau_from_early_level(
        level_ng_ml=20, daily_iu=2000, previous_iu=0, days_on_dose=0, response=NORMAL
    ) == pytest.approx(20 + NORMAL.rise(2000))
    # From 1,000 to 2,000 IU only the difference is still to come; a reduction is heading down.
    assert plateau_from_early_level(
        level_ng_ml=20, daily_iu=2000, previous_iu=1000, days_on_dose=15, response=NORMAL
    ) == pytest.approx(20 + (NORMAL.rise(2000) - NORMAL.rise(1000)) / 2)
    assert plateau_from_early_level(
        level_ng_ml=40, daily_iu=1000, previous_iu=4000, days_on_dose=15, response=NORMAL
    ) < 40


def test_reduction_target_is_the_largest_step_back_below_the_ceiling():
    assert reduced_total_dose(plateau_ng_ml=60, current_iu=3000, response=NORMAL, ceiling_ng_ml=45) == 0
    to = reduced_total_dose(plateau_ng_ml=55, current_iu=4000, response=NORMAL, ceiling_ng_ml=45)
    assert 0 < to < 4000
    assert steady_state(level_ng_ml=55, current_iu=4000, new_iu=to, response=NORMAL) <= 45
    assert steady_state(level_ng_ml=55, current_iu=4000, new_iu=to + 500, response=NORMAL) > 45


@pytest.mark.parametrize(
    ("ng_ml", "text"),
    [(11.999, "11.999"), (11.96, "11.96"), (12.0, "12.0"), (29.97, "29.97"), (25.04, "25.0"), (150.02, "150.02")],
)
def test_levels_never_display_as_the_band_edge_they_are_not_on(ng_ml, text):
    assert engine.format_ng_ml(ng_ml) == text


def test_29_95_nmol_l_does_not_read_as_12_ng_ml_below_12():
    result = engine.recommend(Answers(age=40, current_d3_iu=0, blood_level=BloodLevel(29.95, "nmol/L")))
    assert "12.0 ng/mL" not in " ".join(result.referral_reasons)
    assert "29.95 nmol/L (11.999 ng/mL)" in result.referral_reasons[0]


VALID = {"age": 40, "current_d3_iu": 0}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"age": -1}, "age"),
        ({"age": 121}, "age"),
        ({"age": True}, "age"),
        ({"age": 40.0}, "age"),
        ({"age": "40"}, "age"),
        ({"current_d3_iu": -1}, "current_d3_iu"),
        ({"current_d3_iu": 100_001}, "current_d3_iu"),
        ({"current_d3_iu": False}, "current_d3_iu"),
        ({"current_d3_iu": 1000.5}, "current_d3_iu"),
        ({"sun_exposure": "lots"}, "sun_exposure"),
        ({"k2_food_frequency": "often"}, "k2_food_frequency"),
        ({"sex": "other"}, "sex"),
        ({"goals": frozenset()}, "goals"),
        ({"goals": frozenset({"bone", "skin"})}, "goals"),
        ({"goals": "bone"}, "goals"),
        ({"conditions": frozenset({"diabetes"})}, "conditions"),
        ({"conditions": "anticoagulants"}, "conditions"),
        ({"weight_kg": 19.9}, "weight_kg"),
        ({"weight_kg": 400.1}, "weight_kg"),
        ({"weight_kg": True}, "weight_kg"),
        ({"weight_kg": math.nan}, "weight_kg"),
        ({"height_cm": 99}, "height_cm"),
        ({"height_cm": 251}, "height_cm"),
        ({"height_cm": "180"}, "height_cm"),
        ({"blood_level": BloodLevel(0.5, "ng/mL")}, "blood_level"),
        ({"blood_level": BloodLevel(401, "ng/mL")}, "blood_level"),
        ({"blood_level": BloodLevel(2, "nmol/L")}, "blood_level"),  # 0.8 ng/mL
        ({"blood_level": BloodLevel(1000, "nmol/L")}, "blood_level"),  # 400.6 ng/mL
        ({"blood_level": BloodLevel(30, "mg/dL")}, "blood_level"),
        ({"blood_level": BloodLevel("thirty", "ng/mL")}, "blood_level"),
        ({"blood_level": BloodLevel(math.inf, "ng/mL")}, "blood_level"),
        ({"blood_level": 30}, "blood_level"),
        ({"medications": frozenset({"aspirin"})}, "medications"),
        ({"medications": "statin"}, "medications"),
        ({"other_d3_daily_iu": -1}, "other_d3_daily_iu"),
        ({"other_d3_daily_iu": 100_001}, "other_d3_daily_iu"),
        ({"other_d3_daily_iu": 400.5}, "other_d3_daily_iu"),
        ({"other_d3_daily_iu": None}, "other_d3_daily_iu"),
        ({"prescription_d3": engine.PrescriptionD3(0, 7)}, "prescription_d3"),
        ({"prescription_d3": engine.PrescriptionD3(50_000, 0)}, "prescription_d3"),
        ({"prescription_d3": engine.PrescriptionD3(10**400, 7)}, "prescription_d3"),
        ({"prescription_d3": engine.PrescriptionD3(50_000, 366)}, "prescription_d3"),
        ({"prescription_d3": {"iu": 50_000, "every_days": 7}}, "prescription_d3"),
        ({"eats_natto_weekly": "yes"}, "eats_natto_weekly"),
        ({"current_d3_iu": 1000, "current_d3_since": date.today() + timedelta(days=1)}, "current_d3_since"),
        ({"current_d3_iu": 1000, "current_d3_since": "2026-01-01"}, "current_d3_since"),
        ({"current_d3_since": date.today() - timedelta(days=10)}, "current_d3_since"),  # no current dose
        ({"blood_level": BloodLevel(30, "ng/mL", date.today() + timedelta(days=1))}, "blood_level.tested_on"),
        ({"blood_level": BloodLevel(30, "ng/mL", date(1900, 1, 1))}, "blood_level.tested_on"),
        ({"weight_kg": 70}, "height_cm"),  # policy v2: a weight without a height is an error, never ignored
    ],
)
def test_each_bad_field_is_reported_by_name(changes, field):
    with pytest.raises(InvalidAnswers) as caught:
        Answers(**{**VALID, **changes})
    assert set(caught.value.errors) == {field}
    assert caught.value.errors[field]


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(InvalidAnswers) as caught:
        Answers(age=200, current_d3_iu=-5, sex="x", goals=frozenset(), weight_kg=5, height_cm=170,
                blood_level=BloodLevel(0, "ng/mL"))
    assert set(caught.value.errors) == {"age", "current_d3_iu", "sex", "goals", "weight_kg", "blood_level"}
    assert isinstance(caught.value, ValueError)
    assert "age:" in str(caught.value)


def test_edges_of_valid_ranges_are_accepted():
    answers = Answers(
        age=0, current_d3_iu=100_000, weight_kg=20, height_cm=250, blood_level=BloodLevel(1, "ng/mL")
    )
    assert answers.age == 0
    assert Answers(age=120, current_d3_iu=0, weight_kg=400, height_cm=100, blood_level=BloodLevel(400, "ng/mL"))


def test_under_18_is_valid_not_an_error():
    assert Answers(age=17, current_d3_iu=0).age == 17


def test_lists_of_goals_and_conditions_become_frozensets():
    answers = Answers(age=40, current_d3_iu=0, goals=["bone", "heart"], conditions=["kidney_stones"],
                      medications=["statin"])
    assert answers.goals == frozenset({"bone", "heart"})
    assert answers.conditions == frozenset({"kidney_stones"})
    assert answers.medications == frozenset({"statin"})


def test_the_v1_medicine_codes_among_conditions_mean_the_medicines():
    answers = Answers(age=40, current_d3_iu=0, conditions=["anticoagulants", "thiazide_diuretics", "lymphoma"])
    assert answers.conditions == frozenset({"lymphoma"})
    assert answers.medications == frozenset({"vitamin_k_antagonist", "thiazide"})
    assert answers == Answers(
        age=40, current_d3_iu=0, conditions=["lymphoma"], medications=["vitamin_k_antagonist", "thiazide"]
    )


def test_a_weekly_prescription_is_a_daily_average():
    assert engine.PrescriptionD3(50_000, 7).daily_iu == 7143


def test_answers_dict_round_trip_and_json_safe():
    import json

    answers = Answers(
        age=52, current_d3_iu=1000, sun_exposure="low", k2_food_frequency="weekly", goals=frozenset({"bone"}),
        conditions=frozenset({"malabsorption"}), sex="female", weight_kg=68.5, height_cm=165.0,
        blood_level=BloodLevel(62.5, "nmol/L", date(2026, 9, 1)), other_d3_daily_iu=400,
        prescription_d3=engine.PrescriptionD3(50_000, 30), current_d3_since=date(2026, 6, 1), eats_natto_weekly=True,
        medications=frozenset({"statin", "orlistat"}),
    )
    data = json.loads(json.dumps(engine.answers_to_dict(answers)))
    assert engine.answers_from_dict(data) == answers


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"current_d3_iu": 0}, "age"),
        ({"age": 40}, "current_d3_iu"),
        ({**VALID, "blood_level": {"value": 30}}, "blood_level"),
        ({**VALID, "blood_level": "30 ng/mL"}, "blood_level"),
        ({**VALID, "goals": "bone"}, "goals"),
        ({**VALID, "conditions": [1, 2]}, "conditions"),
        ({**VALID, "age": "forty"}, "age"),
        ({**VALID, "blood_level": {"value": 30, "unit": "ng/mL", "tested_on": "yesterday"}}, "blood_level.tested_on"),
        ({**VALID, "prescription_d3": {"iu": 5}}, "prescription_d3"),
        ({**VALID, "current_d3_since": 20260101}, "current_d3_since"),
        ({**VALID, "medications": "statin"}, "medications"),
    ],
)
def test_answers_from_bad_dict_raises_invalid_answers(data, field):
    with pytest.raises(InvalidAnswers) as caught:
        engine.answers_from_dict(data)
    assert field in caught.value.errors


def test_a_v1_stored_answers_dict_still_reads():
    v1 = {
        "age": 52, "current_d3_iu": 1000, "sun_exposure": "low", "k2_food_frequency": "weekly", "goals": ["bone"],
        "conditions": ["anticoagulants"], "sex": "female", "weight_kg": None, "height_cm": None,
        "blood_level": {"value": 30, "unit": "ng/mL"},
    }
    answers = engine.answers_from_dict(v1)
    assert answers.medications == frozenset({"vitamin_k_antagonist"})
    assert answers.blood_level == BloodLevel(30, "ng/mL")


def test_answers_from_dict_fills_defaults():
    answers = engine.answers_from_dict({"age": 30, "current_d3_iu": 0})
    assert answers == Answers(age=30, current_d3_iu=0)


# --- own response from dated tests ---------------------------------------------------------------

def test_tests_that_follow_the_middle_curve_measure_one_and_keep_the_estimate_near_one():
    rise = NORMAL.rise(2000)
    tests = [DatedLevel(date(2026, 1, 1), 15, 0), DatedLevel(date(2026, 6, 1), 15 + rise, 2000)]

    response = personal_response(tests, NORMAL)

    assert response.measured == pytest.approx(1.0, abs=0.01)
    assert response.multiplier == pytest.approx(1.0, abs=0.1)


def test_twice_the_expected_rise_moves_the_estimate_part_of_the_way():
    rise = NORMAL.rise(2000)
    tests = [DatedLevel(date(2026, 1, 1), 15, 0), DatedLevel(date(2026, 6, 1), 15 + 2 * rise, 2000)]

    response = personal_response(tests, NORMAL)

    assert response.measured == pytest.approx(2.0, abs=0.01)
    assert 1.2 < response.multiplier < 2.0  # the prior pulls towards the average


def test_a_test_before_the_plateau_counts_only_the_share_reached():
    rise = NORMAL.rise(2000)
    # 15 days after the change: half of the rise has happened.
    tests = [DatedLevel(date(2026, 1, 1), 15, 0), DatedLevel(date(2026, 1, 16), 15 + rise / 2, 2000)]

    assert personal_response(tests, NORMAL).measured == pytest.approx(1.0, abs=0.01)


def test_the_same_dose_before_each_test_is_not_informative():
    tests = [DatedLevel(date(2026, 1, 1), 15, 1000), DatedLevel(date(2026, 6, 1), 25, 1000)]

    assert personal_response(tests, NORMAL) is None


def earlier(on: date, ng_ml: float = 20, d3_daily_iu: int = 0) -> engine.PreviousTest:
    return engine.PreviousTest(on, ng_ml, d3_daily_iu)


LATEST = BloodLevel(30, "ng/mL", date(2026, 6, 1))


@pytest.mark.parametrize(
    ("changes", "name", "message"),
    [
        ({"previous_tests": (earlier(date(2026, 1, 1)),)}, "previous_tests", "latest test"),
        ({"blood_level": BloodLevel(30, "ng/mL"), "previous_tests": (earlier(date(2026, 1, 1)),)},
         "blood_level.tested_on", "Give the date of your latest test"),
        ({"blood_level": LATEST, "previous_tests": (earlier(date(2026, 1, 1)), earlier(date(2026, 6, 1)))},
         "previous_tests[1].tested_on", "before your latest test (2026-06-01)"),
        ({"blood_level": LATEST, "previous_tests": (earlier(date(2026, 1, 1)), earlier(date(2026, 7, 1)))},
         "previous_tests[1].tested_on", "before your latest test"),
        ({"blood_level": LATEST, "previous_tests": (earlier(date(2026, 2, 1), 0.1),)},
         "previous_tests[0].value", "between 1 and 400"),
        ({"blood_level": LATEST, "previous_tests": (earlier(date(2026, 2, 1), 20, -5),)},
         "previous_tests[0].d3_daily_iu", "from 0 to 100,000"),
        ({"blood_level": LATEST, "previous_tests": (earlier(None),)}, "previous_tests[0].tested_on", "YYYY-MM-DD"),
        ({"blood_level": LATEST, "previous_tests": (earlier(date(2026, 2, 1)), earlier(date(2026, 3, 1)),
                                                    earlier(date(2026, 2, 1)))},
         "previous_tests[2].tested_on", "Two tests on one day: previous_tests[0]"),
        ({"blood_level": LATEST, "previous_tests": tuple(earlier(date(2026, 1, n)) for n in range(1, 22))},
         "previous_tests", "at most 20"),
        ({"blood_level": LATEST, "previous_tests": ({"value": 20},)}, "previous_tests", "Give each earlier test"),
    ],
)
def test_bad_earlier_tests_are_reported_by_entry(changes, name, message):
    with pytest.raises(InvalidAnswers) as caught:
        Answers(**{**VALID, **changes})
    assert set(caught.value.errors) == {name}
    assert message in caught.value.errors[name]


def test_an_earlier_test_in_the_future_is_named():
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(InvalidAnswers) as caught:
        Answers(**{**VALID, "blood_level": BloodLevel(30, "ng/mL", date.today()),
                   "previous_tests": (earlier(date(2026, 1, 1)), earlier(tomorrow))})
    assert "in the future" in caught.value.errors["previous_tests[1].tested_on"]


def test_twenty_earlier_tests_are_accepted():
    tests = tuple(earlier(date(2025, 1, 1) + timedelta(days=30 * n), 20 + n, 500 * (n % 3)) for n in range(20))
    answers = Answers(**{**VALID, "blood_level": BloodLevel(30, "ng/mL", date(2026, 11, 1)), "previous_tests": tests})
    assert len(answers.previous_tests) == 20
