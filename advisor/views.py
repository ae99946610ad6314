"""Advisor pages: the multi-step quiz (no JavaScript needed) and the result page.

The quiz keeps what was typed on each step in the session, so Back, a reload or a wrong answer
never loses anything; each step is a plain POST answered with a redirect (or the same step with
its errors). Only the last step creates a stored result.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.forms import MultipleChoiceField
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.ratelimit import rate_limited
from shop.cart import Cart
from shop.catalog_cache import catalog_version, pinned_catalog_version
from shop.models import IU_PER_MCG_VITAMIN_D

from . import engine
from .chart import chart_points_from_outcome, projection_chart_svg
from .forms import QUIZ_STEPS, QuizStepForm
from .models import AdvisorResult
from .selectors import food_lines_for, matching_products_for
from .services import advisor_result_delete, recommendation_create, recommended_products_add_to_cart

SESSION_KEY = "advisor_quiz"
STEP_COUNT = len(QUIZ_STEPS)
# Quiz answers are numbers and choice codes; anything longer is cut, so one POST cannot make the
# session big (config/sessions.py refuses oversized sessions outright).
MAX_TYPED_LENGTH = 40
FOOD_LINES_SHOWN = 8


class QuizState:
    """The quiz in progress, kept in the session: the current step and what was typed on each."""

    def __init__(self, request: HttpRequest) -> None:
        self.session = request.session
        stored = self.session.get(SESSION_KEY) or {}
        self.step: int = stored.get("step", 1) if 1 <= stored.get("step", 1) <= STEP_COUNT else 1
        self.data: dict[str, dict[str, list[str]]] = stored.get("data", {})

    def remember(self, step: int, post: QueryDict) -> None:
        """Keep what was typed into this step's own fields, and nothing else that was posted."""
        typed = {}
        for name, field in QUIZ_STEPS[step - 1].base_fields.items():
            values = post.getlist(name)
            if not values:
                continue
            # A single-value field reads the last value, as the bound form does; a multiple choice
            # cannot have more values than it has choices.
            values = values[: len(field.choices)] if isinstance(field, MultipleChoiceField) else values[-1:]
            typed[name] = [value[:MAX_TYPED_LENGTH] for value in values]
        self.data[str(step)] = typed

    def typed(self, step: int) -> QueryDict:
        query = QueryDict(mutable=True)
        for key, values in self.data.get(str(step), {}).items():
            query.setlist(key, values)
        return query

    def save(self) -> None:
        self.session[SESSION_KEY] = {"step": self.step, "data": self.data}

    def clear(self) -> None:
        self.session.pop(SESSION_KEY, None)


def _unbound_step_form(state: QuizState, step: int) -> QuizStepForm:
    """The step's form showing what was typed before, without judging it yet."""
    form_class = QUIZ_STEPS[step - 1]
    typed = state.typed(step)
    initial: dict[str, Any] = {}
    for name, field in form_class.base_fields.items():
        if name in typed:
            initial[name] = typed.getlist(name) if isinstance(field, MultipleChoiceField) else typed.get(name)
    return form_class(initial=initial)


def _render_step(request: HttpRequest, step: int, form: QuizStepForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "advisor/quiz.html",
        {
            "form": form,
            "step": step,
            "step_count": STEP_COUNT,
            "step_titles": [form_class.title for form_class in QUIZ_STEPS],
            "is_last_step": step == STEP_COUNT,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@rate_limited("quiz")
def quiz(request: HttpRequest) -> HttpResponse:
    state = QuizState(request)
    if request.method == "GET":
        return _render_step(request, state.step, _unbound_step_form(state, state.step))

    action = request.POST.get("action", "next")
    try:
        step = int(request.POST.get("step", state.step))
    except ValueError:
        step = state.step
    if not 1 <= step <= STEP_COUNT:
        step = state.step

    if action == "restart":
        state.clear()
        return redirect("advisor:quiz")
    state.remember(step, request.POST)
    if action == "back":
        state.step = max(step - 1, 1)
        state.save()
        return redirect("advisor:quiz")

    form = QUIZ_STEPS[step - 1](request.POST)
    if not form.is_valid():
        state.step = step
        state.save()
        return _render_step(request, step, form)
    if step < STEP_COUNT:
        state.step = step + 1
        state.save()
        return redirect("advisor:quiz")
    return _finish(request, state)


def _finish(request: HttpRequest, state: QuizState) -> HttpResponse:
    """Combine every step's answers, ask the engine, store the result and show it."""
    forms = [form_class(state.typed(number)) for number, form_class in enumerate(QUIZ_STEPS, start=1)]
    for number, form in enumerate(forms, start=1):
        if not form.is_valid():
            state.step = number
            state.save()
            return _render_step(request, number, form)
    values: dict[str, Any] = {}
    for form in forms:
        values.update(form.answer_values())
    try:
        answers = engine.Answers(**values)
    except engine.InvalidAnswers as exc:
        # Each step passed on its own, so this is a combination of answers: show it on the first step
        # it concerns (or, for an answer no step claims, as a general error on the last step).
        for form in forms:
            form.add_engine_errors(exc.errors)
        number = next((n for n, form in enumerate(forms, start=1) if form.errors), STEP_COUNT)
        if not forms[number - 1].errors:
            forms[number - 1].add_error(None, " ".join(exc.errors.values()))
        state.step = number
        state.save()
        return _render_step(request, number, forms[number - 1])
    result = recommendation_create(answers, owner=request.user if request.user.is_authenticated else None)
    state.clear()
    return redirect(result)


@require_safe
def result(request: HttpRequest, pk: UUID) -> HttpResponse:
    result = get_object_or_404(AdvisorResult, pk=pk)
    outcome = result.outcome
    d3 = outcome.get("d3")
    projection = outcome.get("projection") or []
    chart_points = chart_points_from_outcome(projection)
    # The food lines and the match are both cached per catalog version: read it once for both.
    with pinned_catalog_version(catalog_version()):
        foods = food_lines_for(codes=outcome.get("food_nutrients") or [], limit=FOOD_LINES_SHOWN)
        match = matching_products_for(result)
    return render(
        request,
        "advisor/result.html",
        {
            "result": result,
            "outcome": outcome,
            "d3": d3,
            "d3_daily_mcg": d3["daily_iu"] / IU_PER_MCG_VITAMIN_D if d3 else None,
            "k2": outcome.get("k2"),
            "k2_alternative": outcome.get("k2_alternative"),
            "chart_svg": projection_chart_svg(chart_points),
            "chart_points": chart_points,
            "foods": foods,
            "match": match,
        },
    )


@require_POST
@rate_limited("cart")
def result_add_to_cart(request: HttpRequest, pk: UUID) -> HttpResponse:
    result = get_object_or_404(AdvisorResult, pk=pk)
    added = recommended_products_add_to_cart(result=result, cart=Cart(request.session))
    if not added:
        messages.warning(request, "None of the recommended products is in stock right now.")
        return redirect(result)
    messages.success(request, "The recommended products are in your cart.")
    return redirect("shop:cart")


@require_http_methods(["GET", "POST"])
def result_delete(request: HttpRequest, pk: UUID) -> HttpResponse:
    result = get_object_or_404(AdvisorResult, pk=pk)
    if request.method == "POST":
        advisor_result_delete(result=result)
        messages.success(request, "Your advisor result has been deleted.")
        return redirect("advisor:quiz")
    return render(request, "advisor/result_confirm_delete.html", {"result": result})
