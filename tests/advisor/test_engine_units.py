"""Unit conversions and answer validation of the advisor engine (pure Python, no database)."""
from __future__ import annotations

import math

import pytest

from advisor import engine
from advisor.engine import Answers, BloodLevel, InvalidAnswers
from advisor.engine_dose import (
    aimed_total_dose,
    band_for_level,
    bmi_category,
    body_mass_index,
    dose_for_rise,
    round_up_to_step,
    steady_state,
)


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


def test_facts_worked_example_doses_for_15_to_30_ng_ml():
    # facts.md §2.1: +15 ng/mL needs ≈1,500 IU (Vieth), ≈2,100 (Heaney 2003), ≈3,100 (Ekwaru low-dose slope).
    assert dose_for_rise(15, 10.0) == pytest.approx(1500)
    assert dose_for_rise(15, 7.0) == pytest.approx(2143, abs=1)
    assert dose_for_rise(15, 12.0 / 2.496) == pytest.approx(3120, abs=1)


def test_rounding_goes_up_to_500_steps_and_down_to_the_cap():
    assert round_up_to_step(1) == 500
    assert round_up_to_step(1500) == 1500
    assert round_up_to_step(1501) == 2000
    assert round_up_to_step(3800) == 4000
    assert round_up_to_step(4001) == 4000
    assert round_up_to_step(25_000) == 4000


def test_aimed_total_dose_adds_to_current_intake():
    assert aimed_total_dose(level_ng_ml=25, current_iu=1000, slope_mid=7.0) == 2500  # 1000 + 1429 -> 2500
    assert aimed_total_dose(level_ng_ml=25, current_iu=0, slope_mid=7.0) == 1500


def test_steady_state_of_a_reduction_never_goes_below_the_remaining_share():
    plateau = steady_state(level_ng_ml=25, current_iu=10_000, new_iu=4000, slope=7.0)
    assert plateau == pytest.approx(10.0)  # linear would be 25 − 42 < 0
    assert steady_state(level_ng_ml=25, current_iu=0, new_iu=2000, slope=7.0) == pytest.approx(39.0)


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
    ],
)
def test_each_bad_field_is_reported_by_name(changes, field):
    with pytest.raises(InvalidAnswers) as caught:
        Answers(**{**VALID, **changes})
    assert set(caught.value.errors) == {field}
    assert caught.value.errors[field]


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(InvalidAnswers) as caught:
        Answers(age=200, current_d3_iu=-5, sex="x", goals=frozenset(), weight_kg=5, blood_level=BloodLevel(0, "ng/mL"))
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
    answers = Answers(age=40, current_d3_iu=0, goals=["bone", "heart"], conditions=["thiazide_diuretics"])
    assert answers.goals == frozenset({"bone", "heart"})
    assert answers.conditions == frozenset({"thiazide_diuretics"})


def test_answers_dict_round_trip_and_json_safe():
    import json

    answers = Answers(
        age=52, current_d3_iu=1000, sun_exposure="low", k2_food_frequency="weekly", goals=frozenset({"bone"}),
        conditions=frozenset({"thiazide_diuretics"}), sex="female", weight_kg=68.5, height_cm=165.0,
        blood_level=BloodLevel(62.5, "nmol/L"),
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
    ],
)
def test_answers_from_bad_dict_raises_invalid_answers(data, field):
    with pytest.raises(InvalidAnswers) as caught:
        engine.answers_from_dict(data)
    assert field in caught.value.errors


def test_answers_from_dict_fills_defaults():
    answers = engine.answers_from_dict({"age": 30, "current_d3_iu": 0})
    assert answers == Answers(age=30, current_d3_iu=0)
