"""One presenter for a stored advisor result: the plain data the result page and the API both show.

The page and the API used to pick their own fields out of the stored outcome, and drifted (the API
had no band, no referral reasons, no K2 alternative). Both now take ``present_result``'s dict, so
every reason, warning and product line the page shows is in the API too.

A result keeps the outcome its engine version produced; this module reads old and new outcomes
alike (fields a version did not store come out empty, never as a KeyError).
The output is JSON-safe plain data: prices as strings with two decimals, dates as ISO strings.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from shop.catalog_cache import catalog_cached, catalog_version, pinned_catalog_version

from . import engine
from .engine_dose import NMOL_L_PER_NG_ML
from .forms import CONDITION_LABELS, MEDICATION_LABELS
from .models import AdvisorResult
from .selectors import FoodLine, MatchedProduct, ProductNeed, ProductOption, food_lines_for, matching_products_for

FOOD_LINES_SHOWN = 8

DISCLAIMER = (
    "General information, not a diagnosis. A clinician decides for anyone with a condition or on medication."
)

BAND_LABELS = {
    "deficient": "Deficient (below 12 ng/mL)",
    "inadequate": "Inadequate (12 to under 20 ng/mL)",
    "adequate": "Adequate, below target (20 to under 30 ng/mL)",
    "target": "In the target range (30–50 ng/mL)",
    "high": "High (above 50 ng/mL)",
    "very_high": "Very high (above 100 ng/mL)",
    "unknown": "No blood test given",
}

# Warning codes that belong to "tell your prescriber" (shown right after the referral reasons).
PRESCRIBER_WARNING_CODES = engine.PRESCRIBER_WARNING_CODES
URGENT_WARNING_CODES = frozenset({engine.WARNING_URGENT_LEVEL})


def _iu(value: int) -> str:
    return f"{value:,} IU"


def _mcg(value: float | Decimal) -> str:
    number = float(value)
    return f"{number:,.0f} mcg" if number == int(number) else f"{number:,.1f} mcg"


def _price(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


# --- catalog half ------------------------------------------------------------------------------


def _product_line(item: MatchedProduct) -> dict[str, Any]:
    product = item.product
    servings = getattr(item, "servings_per_day", 1)
    first_image = next(iter(product.images.all()), None)  # prefetched with the match
    doses = []
    if item.d3_iu:
        doses.append(f"{item.d3_iu:,} IU D3")
    if item.k2_mcg:
        doses.append(f"{_mcg(item.k2_mcg)} K2")
    serving_text = "1 a day" if servings == 1 else f"{servings} a day"
    return {
        "product_id": product.pk,
        "sku": product.sku,
        "slug": product.slug,
        "name": product.name,
        "url": product.get_absolute_url(),
        "role": item.role,
        "available": item.available,
        "d3_iu_per_serving": item.d3_iu,
        "k2_mcg_per_serving": float(item.k2_mcg) if item.k2_mcg is not None else None,
        "servings_per_day": servings,
        "shortfall_iu": getattr(item, "shortfall_iu", 0),
        "k2_shortfall_mcg": float(getattr(item, "k2_shortfall_mcg", 0)),
        "price_per_30_days": _price(item.price_per_day * 30),
        "dose_text": f"{' + '.join(doses)} per serving, {serving_text}",
        "image": (
            {"renditions": first_image.renditions or {}, "alt": first_image.alt_text or product.name}
            if first_image is not None
            else None
        ),
    }


def _option_line(option: ProductOption) -> dict[str, Any]:
    products = [_product_line(item) for item in option.items]
    return {
        "products": products,
        "price_per_30_days": _price(option.price_per_30_days),
        "shortfall_iu": sum(line["shortfall_iu"] for line in products),
    }


def _food_line(food: FoodLine) -> dict[str, Any]:
    return {
        "name": food.name,
        "nutrient": food.nutrient,
        "nutrient_name": food.nutrient_name,
        "amount": float(food.amount),
        "unit": food.unit,
        "amount_mcg": float(food.amount_mcg),
        "serving": food.serving,
        "source": food.source,
    }


def catalog_lines(need: ProductNeed, food_codes: list[str]) -> dict[str, Any]:
    """Products, alternatives and foods for a need, as plain values (uncached)."""
    match = matching_products_for(need)
    best = [_product_line(item) for item in match.best]
    return {
        "products": best,
        "price_per_30_days": _price(match.best_price_per_30_days) if match.best else None,
        "alternatives": [_option_line(option) for option in match.alternatives],
        "foods": [_food_line(food) for food in food_lines_for(codes=food_codes, limit=FOOD_LINES_SHOWN)],
    }


def result_catalog(result: AdvisorResult) -> dict[str, Any]:
    """The catalog half of a result's presentation, cached per need and catalog version.

    It depends only on the recommended doses and the catalog, so many shoppers share it; it is
    cached as plain values, so a request unpickles no model instances.
    """
    version = catalog_version()
    need = ProductNeed.from_outcome(result.outcome)
    food_codes = list(result.outcome.get("food_nutrients") or ())
    with pinned_catalog_version(version):
        return catalog_cached(
            version, "advisor-presented-catalog", need, food_codes, build=lambda: catalog_lines(need, food_codes)
        )


# --- result half -------------------------------------------------------------------------------


def _level(result: AdvisorResult) -> dict[str, Any] | None:
    raw = (result.answers or {}).get("blood_level")
    if not raw:
        return None
    level = engine.BloodLevel(raw["value"], raw["unit"])
    return {
        "ng_ml": round(level.ng_ml, 2),
        "nmol_l": round(level.ng_ml * NMOL_L_PER_NG_ML, 1),
        "text": engine.level_text(level),  # as typed first, never rounded onto a band edge
        "tested_on": raw.get("tested_on"),
    }


def _dose_d3(d3: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not d3:
        return None
    mcg = d3["daily_iu"] / 40
    return {"daily_iu": d3["daily_iu"], "daily_mcg": mcg, "text": f"{_iu(d3['daily_iu'])} ({mcg:g} mcg)"}


def _dose_k2(k2: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not k2:
        return None
    return {"form": k2["form"], "daily_mcg": k2["daily_mcg"], "text": f"{_mcg(k2['daily_mcg'])} {k2['form']}"}


def _is_urgent_reason(outcome: Mapping[str, Any], index: int, reason: str) -> bool:
    if "urgent" in outcome:  # rules v2 put the urgent reason first and say so
        return bool(outcome["urgent"]) and index == 0
    return reason.startswith("Urgent")


def _messages(outcome: Mapping[str, Any]) -> list[dict[str, str]]:
    """Urgent first, then every referral reason, then "tell your prescriber", then the other warnings."""
    reasons = list(outcome.get("referral_reasons") or [])
    urgent = [r for i, r in enumerate(reasons) if _is_urgent_reason(outcome, i, r)]
    warnings = list(outcome.get("warnings") or [])
    lines = [{"kind": "urgent", "code": "urgent_level", "text": r} for r in urgent]
    lines += [{"kind": "referral", "code": "referral", "text": r} for r in reasons if r not in urgent]
    lines += [
        {"kind": "prescriber", "code": w["code"], "text": w["message"]}
        for w in warnings
        if w["code"] in PRESCRIBER_WARNING_CODES
    ]
    lines += [
        {"kind": "warning", "code": w["code"], "text": w["message"]}
        for w in warnings
        # The urgent warning repeats the urgent reason in short; the reason is shown.
        if w["code"] not in PRESCRIBER_WARNING_CODES and not (urgent and w["code"] == engine.WARNING_URGENT_LEVEL)
    ]
    return lines


def _pair(outcome: Mapping[str, Any], result: AdvisorResult) -> dict[str, Any] | None:
    """The pair in plain words: "Take 2,000 IU of D3 and 90 mcg of MK-7 a day, instead of your 1,000 IU."."""
    d3, k2 = outcome.get("d3"), outcome.get("k2")
    if not d3 and not k2:
        return None
    parts = []
    if d3:
        in_total = " in total" if (outcome.get("intake") or {}).get("other_iu") else ""
        parts.append(f"{_iu(d3['daily_iu'])} of D3{in_total}")
    if k2:
        parts.append(f"{_mcg(k2['daily_mcg'])} of {k2['form']}")
    if outcome.get("refer_to_clinician"):
        text = f"For the talk with your clinician: within the upper limit, {' and '.join(parts)} a day"
    else:
        text = f"Take {' and '.join(parts)} a day"
    if not d3:
        text += ", and no added vitamin D3"
    change = outcome.get("d3_change")
    if change is None and "d3_change" not in outcome and d3:  # rules v1 stored no change
        current = int((result.answers or {}).get("current_d3_iu") or 0)
        if current and current != d3["daily_iu"]:
            change = f"instead of your {_iu(current)}"
    if change:
        text += f", {change}" if change.startswith("instead") else f": {change}"
    return {"text": f"{text}.", "change": change}


def _next_test(outcome: Mapping[str, Any], result: AdvisorResult) -> dict[str, Any] | None:
    weeks = outcome.get("retest_after_weeks")
    if not weeks:
        return None
    kind = "first_test" if outcome.get("band") == "unknown" else "retest"
    made = timezone.localdate(result.created_at) if result.created_at else date.today()
    on = made + timedelta(weeks=weeks)
    what = "Get a first vitamin D blood test" if kind == "first_test" else "Retest your blood level"
    return {"kind": kind, "after_weeks": weeks, "on": on.isoformat(), "text": f"{what} around {on.day} {on:%B %Y}."}


def _plateau(outcome: Mapping[str, Any]) -> dict[str, Any] | None:
    if "plateau" in outcome:
        return outcome["plateau"]
    projection = outcome.get("projection")  # rules v1: the last projected week is the nearest to it
    if not projection:
        return None
    value = projection[-1]["ng_ml"]
    return {"ng_ml": value, "text": f"About {value:.0f} ng/mL after 16 weeks (middle estimate).", "capped": False}


def _rationale(outcome: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every rationale line with its source in plain words and its link; engine details marked internal."""
    lines = []
    for line in outcome.get("rationale") or []:
        source = line["source"]
        lines.append({
            "text": line["text"],
            "source": "The shop's own choice" if source == engine.SOURCE_ENGINE_CHOICE else source,
            "url": engine.SOURCE_URLS.get(source),
            # Rules v1 did not mark them: its unit line and model lines read as engine details.
            "internal": bool(line.get("internal")) or line["text"].startswith(_V1_INTERNAL_PREFIXES),
        })
    return lines


_V1_INTERNAL_PREFIXES = ("Doses are rounded up to the next 500 IU", "Expected rise per 1,000 IU/day")


def _internals(result: AdvisorResult, rationale: list[dict[str, Any]]) -> list[dict[str, str]]:
    internals = [
        {"label": "Rules version", "value": result.engine_version},
        {"label": "Unit conversion", "value": f"1 ng/mL = {NMOL_L_PER_NG_ML} nmol/L (UCSF lab manual)"},
    ]
    internals += [{"label": line["source"], "value": line["text"]} for line in rationale if line["internal"]]
    return internals


def _headline(outcome: Mapping[str, Any], messages: list[dict], pair: dict | None) -> str:
    if any(m["kind"] == "urgent" for m in messages):
        return "Urgent: your vitamin D level is in the toxic range. Stop vitamin D and see a clinician today."
    if outcome.get("refer_to_clinician"):
        return "Please talk to a clinician: this is theirs to decide."
    if pair:
        return pair["text"]
    return "No added vitamin D3 or K2 for you now."


def _d3_from_products_iu(outcome: Mapping[str, Any]) -> int | None:
    if "d3_from_products_iu" in outcome:
        return outcome["d3_from_products_iu"]
    return (outcome.get("d3") or {}).get("daily_iu")  # rules v1: the products gave the whole dose


SEX_WORDS = {"female": "Female", "male": "Male", "unspecified": "Not given"}
SUN_WORDS = {"low": "Little", "moderate": "Some, most days", "high": "A lot, most days"}
K2_FOOD_WORDS = {"rarely": "Rarely or never", "weekly": "About once a week", "daily": "Most days"}
GOAL_WORDS = {"bone": "Bone health", "heart": "Heart and arteries", "general": "General wellbeing"}
# Rules v1 stored two medicines among the conditions.
V1_CONDITION_WORDS = {
    "anticoagulants": "An anticoagulant such as warfarin, or an antiplatelet drug",
    "thiazide_diuretics": "A thiazide diuretic",
}


def _day(value: str | None) -> str:
    on = date.fromisoformat(value)
    return f"{on.day} {on:%B %Y}"


def _answers(result: AdvisorResult) -> list[dict[str, str]]:
    """The answers in plain words, in quiz order, for the printable page (stored answers of any version)."""
    a = result.answers or {}
    rows = [("Age", f"{a.get('age')}"), ("Sex", SEX_WORDS.get(a.get("sex") or "unspecified", "Not given"))]
    rows.append(("Weight", f"{a['weight_kg']:.1f} kg" if a.get("weight_kg") is not None else "Not given"))
    rows.append(("Height", f"{a['height_cm']:.1f} cm" if a.get("height_cm") is not None else "Not given"))
    level = _level(result)
    if level:
        tested = f", tested {_day(level['tested_on'])}" if level.get("tested_on") else ""
        rows.append(("Latest 25(OH)D", f"{level['text']}{tested}"))
    else:
        rows.append(("Latest 25(OH)D", "No test given"))
    for test in sorted(a.get("previous_tests") or [], key=lambda t: t["tested_on"], reverse=True):
        earlier = engine.level_text(engine.BloodLevel(test["value"], test["unit"]))
        # Engine 2026.11-2 stored "daily_iu".
        on_dose = f"tested {_day(test['tested_on'])}, on {_iu(test.get('d3_daily_iu', test.get('daily_iu')))} a day"
        rows.append(("Earlier 25(OH)D", f"{earlier}, {on_dose}"))
    current = int(a.get("current_d3_iu") or 0)
    since = f", since {_day(a['current_d3_since'])}" if a.get("current_d3_since") else ""
    rows.append(("Vitamin D3 a day now", f"{_iu(current)}{since}" if current else "None"))
    if "other_d3_daily_iu" in a:  # asked from rules v2 on
        other = int(a.get("other_d3_daily_iu") or 0)
        rows.append(("Multivitamin, calcium + D or cod-liver oil", f"{_iu(other)} a day" if other else "None"))
        prescription = a.get("prescription_d3")
        rows.append((
            "Prescribed vitamin D",
            f"{_iu(prescription['iu'])} every {prescription['every_days']} days" if prescription else "None",
        ))
    rows.append(("Sun", SUN_WORDS.get(a.get("sun_exposure"), "")))
    if "eats_natto_weekly" in a:
        rows.append(("Natto", "At least once a week" if a["eats_natto_weekly"] else "Less than once a week"))
    rows.append(("Other K2 foods", K2_FOOD_WORDS.get(a.get("k2_food_frequency"), "")))
    rows.append(("Goals", ", ".join(GOAL_WORDS.get(goal, goal) for goal in a.get("goals") or []) or "Not given"))
    conditions = [
        CONDITION_LABELS.get(code) or V1_CONDITION_WORDS.get(code, code) for code in a.get("conditions") or []
    ]
    rows.append(("Conditions", "; ".join(conditions) or "None of these"))
    if "medications" in a:
        medicines = [MEDICATION_LABELS.get(code, code) for code in a.get("medications") or []]
        rows.append(("Medicines", "; ".join(medicines) or "None of these"))
    return [{"question": question, "answer": answer} for question, answer in rows]


def present_result(result: AdvisorResult, *, catalog: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the result page and the API show for a stored result, as plain values."""
    outcome = result.outcome or {}
    if catalog is None:
        catalog = result_catalog(result)
    messages = _messages(outcome)
    pair = _pair(outcome, result)
    rationale = _rationale(outcome)
    reasons = [m["text"] for m in messages if m["kind"] in ("urgent", "referral")]
    alternative = outcome.get("k2_alternative")
    return {
        "id": str(result.pk),
        "created_on": (timezone.localdate(result.created_at) if result.created_at else date.today()).isoformat(),
        "engine_version": result.engine_version,
        "band": outcome.get("band", "unknown"),
        "band_label": BAND_LABELS.get(outcome.get("band", "unknown"), ""),
        "level": _level(result),
        "answers": _answers(result),
        "refer_to_clinician": bool(outcome.get("refer_to_clinician")),
        "urgent": any(m["kind"] == "urgent" for m in messages),
        "headline": _headline(outcome, messages, pair),
        "messages": messages,
        "referral_reasons": reasons,
        "clinician_questions": list(outcome.get("clinician_questions") or []),
        "warnings": list(outcome.get("warnings") or []),
        "pair": pair,
        "d3": _dose_d3(outcome.get("d3")),
        "d3_from_products_iu": _d3_from_products_iu(outcome),
        "k2": _dose_k2(outcome.get("k2")),
        "k2_alternative": (
            {
                **_dose_k2(alternative),
                "why": "MK-4 leaves the blood within hours, while MK-7 stays for days, so MK-4 needs far more "
                "micrograms; 1,500 mcg a day is the amount studied for a year (Koitaya 2014).",
            }
            if alternative
            else None
        ),
        "products_allowed": bool(outcome.get("products_allowed")),
        "products": catalog["products"],
        "price_per_30_days": catalog["price_per_30_days"],
        "alternatives": catalog["alternatives"],
        "next_test": _next_test(outcome, result),
        "retest_after_weeks": outcome.get("retest_after_weeks"),
        "projection": outcome.get("projection"),
        "plateau": _plateau(outcome),
        "personal_response": outcome.get("personal_response"),  # older versions stored none
        "rationale": rationale,
        "why": [{key: line[key] for key in ("text", "source", "url")} for line in rationale if not line["internal"]],
        "internals": _internals(result, rationale),
        "foods": catalog["foods"],
        "food_note": outcome.get("food_note"),
        "disclaimer": DISCLAIMER,
    }
