"""advisor.api.serializers.answers_validate: one serializer instance validates every request, so
nothing of one request's answers or errors may reach the next, in turn or from other threads."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework.exceptions import ValidationError

from advisor import engine
from advisor.api.serializers import answers_validate

VALID = {
    "age": 45,
    "sex": "female",
    "blood_level": {"value": 40, "unit": "nmol/L"},
    "current_d3_iu": 0,
    "sun_exposure": "low",
    "k2_food_frequency": "rarely",
    "goals": ["bone"],
}


def errors_of(data: object) -> dict:
    with pytest.raises(ValidationError) as caught:
        answers_validate(data)
    return caught.value.detail


def test_valid_answers_become_the_engines_answers():
    answers = answers_validate(VALID)

    assert answers == engine.Answers(
        age=45, sex="female", blood_level=engine.BloodLevel(40, "nmol/L"), current_d3_iu=0, sun_exposure="low",
        k2_food_frequency="rarely", goals=frozenset({"bone"}), conditions=frozenset(),
    )


def test_nothing_carries_over_from_one_request_to_the_next():
    assert set(errors_of({**VALID, "age": "forty"})) == {"age"}
    # The defaults of the previous call are fresh too: conditions is a new empty set each time.
    assert answers_validate(VALID).conditions == frozenset()
    assert set(errors_of({**VALID, "sun_exposure": "always", "colour": "green"})) == {"sun_exposure", "colour"}
    assert set(errors_of({**VALID, "blood_level": {"value": 40}})) == {"blood_level"}
    assert answers_validate({**VALID, "conditions": ["kidney_disease"]}).conditions == frozenset({"kidney_disease"})
    assert answers_validate(VALID).conditions == frozenset()


def test_threads_validating_at_once_each_get_their_own_outcome():
    # Each payload's age is its index, so a mixed-up answer or error shows as a wrong number.
    payloads = [
        {**VALID, "age": 20 + n} if n % 3 else {**VALID, "age": 20 + n, "goals": ["unknown-goal"]}
        for n in range(60)
    ]

    def outcome(data: dict) -> object:
        try:
            return answers_validate(data).age
        except ValidationError as exc:
            return sorted(exc.detail)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(outcome, payloads * 20))

    expected = [20 + n if n % 3 else ["goals"] for n in range(60)] * 20
    assert results == expected


@pytest.mark.parametrize("data", [[1, 2], "text", 42, None])
def test_a_body_that_is_not_an_object_is_an_error_not_a_crash(data):
    assert errors_of(data)
