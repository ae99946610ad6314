"""Benchmark: does learning a person's own dose-response from their retests bring more people into 30–50 ng/mL?

    .venv/bin/python bench/personal_dosing.py [--people 5000] [--seed 14] [--deficient-takes-shown-dose]
        [--bmi normal] [--poor-adherence-share 0.2] [--assay-cv 0.1]   (the last three: to find out why)

A virtual population follows the advisor for four 12-week rounds, twice, with the same people and the
same random draws (common random numbers, so the difference between the arms is the engine's):

* population formula: each round the advisor sees the latest test, the current dose and since when it is
  taken (no history), as a quiz without earlier tests does;
* personal engine: the same answers plus every earlier test with the dose before it (``previous_tests``).

Each person: an untreated level drawn uniformly from 8–28 ng/mL; a BMI group (normal 35 %, overweight
35 %, obese 30 %: the engine gets a weight and a height); a response multiplier drawn from the engine's
own prior (log-normal centred on 1, Ekwaru and Vieth one SD either side) on the BMI-adjusted middle curve;
20 % take their doses imperfectly (each round a fresh 40–90 % of them). The true level follows the doses
actually absorbed with a 15-day half-life; each test reads it with 10 % assay noise (normal, relative).
Round 1 starts from an untreated test; each later round starts from the test at the end of the one
before. A referred person keeps their current dose (the issue's rule); with --deficient-takes-shown-dose,
someone referred only for a level below 12 ng/mL takes the dose the result shows for the talk with
the clinician instead. Bands are counted on the TRUE level at the end of each round (the test reads it
with noise). Pure Python, no database: the engine is called directly. Not a test.

What it showed (seed 14, 5,000 people; issue 14's aim was "clearly more inside 30–50 after the second
retest, no more above 50"): the aim is NOT met for "inside". After the second retest the personal engine
has as many people inside 30–50 as the population formula (57.7 % against 58.2 %; 71.4 % against 71.5 %
with --bmi normal) and fewer above 50 (0.1 % against 0.4 %; 0.5 % against 1.1 % with --bmi normal).
Why, measured with the options above:

* The population formula is already a feedback loop: each round it starts from the newest test, so a
  weak or strong responder is corrected at the next retest anyway; own-response knowledge changes the
  dose of only 2–4 % of people per round (column "dose moved").
* Most people outside the band cannot be helped by any response estimate: about 22 % are below 30 on
  4,000 IU/day (the upper limit binds, mostly overweight and obese people with low starting levels) and
  about 18 % are referred (mostly levels below 12 ng/mL, who keep their dose under the issue's rule).
* The rest are near the band's lower edge, where the 10 % assay error decides (a true 29 read as 31 keeps
  its dose). The own response cannot see through that noise either.
* The personal engine holds people whose level hardly moved at their dose (policy: never a higher dose
  for a non-mover) where the population formula raises it; in the simulation those are mostly people who
  missed doses or respond at the weak end. That costs a few tenths of a percentage point inside the band,
  by design.
Found by this benchmark and fixed in the engine: an own-response referral on one standard error referred
about 1 person in 150 per retest on assay noise alone; the rule now needs two.
"""
from __future__ import annotations

import argparse
import math
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from advisor import engine  # noqa: E402  (after the path set-up)
from advisor.engine_dose import HALF_LIFE_DAYS, dose_response_for  # noqa: E402
from advisor.engine_history import ASSAY_CV, PRIOR_LOG_SD  # noqa: E402

ROUNDS = 4
ROUND_DAYS = 12 * 7
HEIGHT_CM = 170.0
BMI_GROUPS = (("normal", 0.35, 22.0), ("overweight", 0.35, 27.5), ("obese", 0.30, 33.0))
POOR_ADHERENCE_SHARE = 0.20
POOR_ADHERENCE_RANGE = (0.4, 0.9)
REDUCE_TO = re.compile(r"down to ([\d,]+) IU")


@dataclass
class Person:
    untreated: float
    bmi_group: str
    weight_kg: float
    multiplier: float
    adherence: list[float]  # share of the doses taken, per round
    noise: list[float]  # assay error of each test (the untreated one first), relative


@dataclass
class Course:
    """One person's path through the rounds in one arm."""

    person: Person
    tests: list[tuple[date, float, int]] = field(default_factory=list)  # (date, measured ng/mL, dose before)
    dose: int = 0
    dose_since: date | None = None
    rise: float = 0.0  # the true rise over the untreated level now

    def true_level(self) -> float:
        return self.person.untreated + self.rise


def make_people(
    count: int, rng: random.Random, *, bmi_groups: tuple = BMI_GROUPS, poor_share: float = POOR_ADHERENCE_SHARE,
    assay_cv: float = ASSAY_CV,
) -> list[Person]:
    people = []
    for _ in range(count):
        pick, group = rng.random(), bmi_groups[-1]
        for candidate in bmi_groups:
            if pick < candidate[1]:
                group = candidate
                break
            pick -= candidate[1]
        poor = rng.random() < poor_share
        people.append(Person(
            untreated=rng.uniform(8, 28),
            bmi_group=group[0],
            weight_kg=round(group[2] * (HEIGHT_CM / 100) ** 2, 1),
            multiplier=math.exp(rng.gauss(0, PRIOR_LOG_SD)),
            adherence=[rng.uniform(*POOR_ADHERENCE_RANGE) if poor else 1.0 for _ in range(ROUNDS)],
            noise=[rng.gauss(0, assay_cv) for _ in range(ROUNDS + 1)],
        ))
    return people


def measure(course: Course, on: date, index: int) -> None:
    level = max(course.true_level() * (1 + course.person.noise[index]), 1.0)  # labs report at least 1 ng/mL
    course.tests.append((on, round(level, 1), course.dose))


def decide(course: Course, on: date, *, personal: bool, deficient_takes_dose: bool) -> tuple[int, bool, object]:
    """The dose for the next round, whether the advisor referred, and the own response (or None)."""
    tested_on, level, _ = course.tests[-1]
    answers = engine.Answers(
        age=45,
        current_d3_iu=course.dose,
        sun_exposure="moderate",
        k2_food_frequency="rarely",
        weight_kg=course.person.weight_kg,
        height_cm=HEIGHT_CM,
        blood_level=engine.BloodLevel(level, "ng/mL", tested_on),
        current_d3_since=course.dose_since if course.dose else None,
        previous_tests=tuple(engine.PreviousTest(*test) for test in course.tests[:-1]) if personal else (),
    )
    result = engine.recommend(answers, today=on)
    shown = result.d3.daily_iu if result.d3 is not None else None
    if result.refer_to_clinician:
        only_deficient = shown is not None  # a dose is shown only when the level below 12 is the one reason
        return (shown if deficient_takes_dose and only_deficient else course.dose), True, result.personal
    if shown is not None:
        return shown, False, result.personal
    reduce = next((w.message for w in result.warnings if w.code == engine.WARNING_REDUCE_D3), None)
    match = REDUCE_TO.search(reduce or "")
    return (int(match.group(1).replace(",", "")) if match else 0), False, result.personal


def advance(course: Course, days: int, adherence: float) -> None:
    curve = dose_response_for(course.person.bmi_group)
    plateau = course.person.multiplier * curve.rise(course.dose * adherence)
    course.rise += (plateau - course.rise) * (1 - 0.5 ** (days / HALF_LIFE_DAYS))


def share(values: list[bool]) -> str:
    return f"{100 * sum(values) / len(values):5.1f} %"


def run(people: list[Person], *, personal: bool, deficient_takes_dose: bool) -> list[dict]:
    start = date.today() - timedelta(days=ROUNDS * ROUND_DAYS + 7)
    courses = [Course(person) for person in people]
    for course in courses:
        measure(course, start, 0)
    rows = []
    for round_number in range(1, ROUNDS + 1):
        on = start + timedelta(days=(round_number - 1) * ROUND_DAYS)
        referred, widths, moved = [], [], []
        for course in courses:
            dose, was_referred, own = decide(course, on, personal=personal, deficient_takes_dose=deficient_takes_dose)
            referred.append(was_referred)
            if own is not None:
                widths.append(own.high - own.low)
                moved.append(own.population_d3_iu is not None and own.population_d3_iu != dose)
            if dose != course.dose:
                course.dose, course.dose_since = dose, on
            advance(course, ROUND_DAYS, course.person.adherence[round_number - 1])
            measure(course, on + timedelta(days=ROUND_DAYS), round_number)
        levels = [course.true_level() for course in courses]
        capped_low = [
            level < 30 and course.dose >= engine.ADULT_UL_IU and not was_referred
            for level, course, was_referred in zip(levels, courses, referred, strict=True)
        ]
        rows.append({
            "round": round_number,
            "in_band": share([30 <= level <= 50 for level in levels]),
            "above_50": share([level > 50 for level in levels]),
            "above_100": share([level > 100 for level in levels]),
            "below_20": share([level < 20 for level in levels]),
            "referred": share(referred),
            "capped_low": share(capped_low),
            "median_dose": statistics.median(course.dose for course in courses),
            "median_level": statistics.median(levels),
            "width": statistics.median(widths) if widths else None,
            "moved": share(moved) if moved else "    –  ",
        })
    return rows


def print_table(title: str, rows: list[dict]) -> None:
    print(f"\n{title}")
    print("round  in 30–50   >50      >100     <20      referred  <30 at cap  median dose  median level  "
          "80% width  dose moved")
    for row in rows:
        width = f"{row['width']:.2f}" if row["width"] is not None else "  – "
        print(
            f"{row['round']:>5}  {row['in_band']}  {row['above_50']}  {row['above_100']}  {row['below_20']}  "
            f"{row['referred']}   {row['capped_low']}   {row['median_dose']:>8,.0f} IU  "
            f"{row['median_level']:>8.1f} ng/mL  "
            f"{width:>9}  {row['moved']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--deficient-takes-shown-dose", action="store_true")
    parser.add_argument("--bmi", choices=["mixed", "normal"], default="mixed", help="normal: nobody is cap-bound")
    parser.add_argument("--poor-adherence-share", type=float, default=POOR_ADHERENCE_SHARE)
    parser.add_argument("--assay-cv", type=float, default=ASSAY_CV, help="the simulated tests' error")
    args = parser.parse_args()
    bmi_groups = (("normal", 1.0, 22.0),) if args.bmi == "normal" else BMI_GROUPS
    began = time.perf_counter()
    people = make_people(
        args.people, random.Random(args.seed), bmi_groups=bmi_groups, poor_share=args.poor_adherence_share,
        assay_cv=args.assay_cv,
    )
    options = {"deficient_takes_dose": args.deficient_takes_shown_dose}
    population = run(people, personal=False, **options)
    personal = run(people, personal=True, **options)
    print(f"Options: bmi={args.bmi}, poor adherence share={args.poor_adherence_share}, assay CV={args.assay_cv}, "
          f"deficient takes shown dose={args.deficient_takes_shown_dose}")
    print(f"{args.people:,} people, seed {args.seed}, {ROUNDS} rounds of {ROUND_DAYS} days; bands on the true level "
          "at the end of each round; 'referred' = referred by the decision that started the round.")
    print_table("Population formula (no history)", population)
    print_table("Personal engine (the history so far)", personal)
    after_second_retest = ROUNDS - 1  # round 3 runs on the dose chosen from the second retest
    print(f"\nAfter the second retest (round {after_second_retest}), personal minus population:")
    for key, label in (("in_band", "inside 30–50"), ("above_50", "above 50"), ("referred", "referred")):
        mine, theirs = (float(rows[after_second_retest - 1][key].rstrip(" %")) for rows in (personal, population))
        print(f"  {label}: {mine - theirs:+.1f} percentage points")
    print("'<30 at cap': below 30 on 4,000 IU/day (the upper limit), not referred: no engine can help them.")
    print("\n'80% width': median width of the credible interval of the own multiplier; 'dose moved': share whose "
          "dose the history changed from the population formula's.")
    print(f"\n{time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
