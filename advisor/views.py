"""Advisor pages: the multi-step quiz and the result page with its printable version, its email
and its add-to-cart buttons (no JavaScript needed for any of them).

The quiz keeps what was typed on each step in the session, so Back, a reload or a wrong answer
never loses anything; each step is a plain POST answered with a redirect (or the same step with
its errors). Only the last step creates a stored result. The result page, the printed sheet and
the email all show the presenter's data (advisor/presenter.py), the same the API returns.
"""
from __future__ import annotations

import logging
from smtplib import SMTPException
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.forms import MultipleChoiceField
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.ratelimit import rate_limited
from shop.cart import Cart

from . import engine
from .chart import chart_points_from_outcome, projection_chart_svg
from .emails import ResultEmailForm, advisor_result_email_send, result_email_allowed
from .forms import QUIZ_STEPS, QuizStepForm
from .models import AdvisorResult
from .presenter import present_result
from .services import advisor_result_delete, recommendation_create, recommended_products_add_to_cart

SESSION_KEY = "advisor_quiz"
STEP_COUNT = len(QUIZ_STEPS)
# Quiz answers are numbers and choice codes; anything longer is cut, so one POST cannot make the
# session big (config/sessions.py refuses oversized sessions outright).
MAX_TYPED_LENGTH = 40
# An option is one combination product or a D3 and a K2 product.
MAX_PRODUCTS_PER_OPTION = 2

logger = logging.getLogger(__name__)


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


def result_context(result: AdvisorResult) -> dict[str, Any]:
    """What the result page, its printable version and its email show: the presenter's plain data
    (the same the API returns), the chart drawn from its projection, and the cited sources numbered."""
    shown = present_result(result)
    chart_points = chart_points_from_outcome(shown["projection"] or [])
    why, sources = _numbered_sources(shown["why"])
    return {
        "result": result,
        "shown": shown,
        "chart_svg": projection_chart_svg(chart_points),
        "chart_points": chart_points,
        "why": why,
        "sources": sources,
        # The food table names its sources once, under it, rather than on every row.
        "food_sources": list(dict.fromkeys(food["source"] for food in shown["foods"])),
    }


def _numbered_sources(why: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The "why" lines each with the number of its source, and each source once, in order of first
    mention (the printed page and the email list them with their full links)."""
    numbers: dict[str, int] = {}
    sources: list[dict[str, Any]] = []
    lines = []
    for line in why:
        if line["source"] not in numbers:
            numbers[line["source"]] = len(numbers) + 1
            sources.append({"number": numbers[line["source"]], "name": line["source"], "url": line["url"]})
        lines.append({**line, "number": numbers[line["source"]]})
    return lines, sources


def _render_result(
    request: HttpRequest, result: AdvisorResult, *, email_form: ResultEmailForm | None = None, status: int = 200
) -> HttpResponse:
    context = result_context(result)
    context["email_form"] = email_form or ResultEmailForm()
    return render(request, "advisor/result.html", context, status=status)


@require_safe
def result(request: HttpRequest, pk: UUID) -> HttpResponse:
    return _render_result(request, get_object_or_404(AdvisorResult, pk=pk))


@require_safe
def result_print(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The result as a document to take to a clinician: answers, result, sources with full links, date."""
    result = get_object_or_404(AdvisorResult, pk=pk)
    context = result_context(result)
    context["result_url"] = request.build_absolute_uri(result.get_absolute_url())
    return render(request, "advisor/result_print.html", context)


@require_POST
def result_email(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Send the result to the address typed in; the address is used for this one email only."""
    result = get_object_or_404(AdvisorResult, pk=pk)
    form = ResultEmailForm(request.POST)
    if not form.is_valid():
        return _render_result(request, result, email_form=form, status=400)
    allowed, wait_seconds = result_email_allowed(request)
    if not allowed:
        minutes = max(1, -(-wait_seconds // 60))
        form.add_error(None, f"You have asked for several result emails in a short time. Please try again in "
                             f"{minutes} minute{'s' if minutes != 1 else ''}, or print the result instead.")
        return _render_result(request, result, email_form=form, status=429)
    try:
        advisor_result_email_send(to=form.cleaned_data["email"], context=result_context(result))
    except (OSError, SMTPException):
        logger.exception("Could not email advisor result %s", result.pk)
        form.add_error(None, "The email could not be sent just now. Please try again later, or print the result.")
        return _render_result(request, result, email_form=form, status=503)
    # The message names no address: messages live in the session, and the address is not to be kept.
    messages.success(request, "Your result is on its way to the address you gave. We have not kept the address.")
    # "#top": the form posted to "…#email-me", and a browser keeps that fragment through a redirect
    # without one; the confirmation is at the top of the page, so that is where the page should open.
    return redirect(f"{result.get_absolute_url()}#top")


@require_POST
@rate_limited("cart")
def result_add_to_cart(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Put one option's products in the cart: the best option, or the one whose product ids are posted
    (the best or an alternative, as shown on the page; anything else adds nothing)."""
    result = get_object_or_404(AdvisorResult, pk=pk)
    posted = request.POST.getlist("product")
    product_ids: list[int] | None = None
    if posted:
        if len(posted) > MAX_PRODUCTS_PER_OPTION or not all(value.isdecimal() and len(value) < 12 for value in posted):
            return HttpResponseBadRequest("Choose one of the options shown on the result page.")
        product_ids = [int(value) for value in posted]
    added = recommended_products_add_to_cart(result=result, cart=Cart(request.session), product_ids=product_ids)
    if not added:
        messages.warning(request, "That option is not in stock any more. The result page shows what is in stock now.")
        return redirect(result)
    messages.success(request, "The recommended products are in your cart." if added > 1
                     else "The recommended product is in your cart.")
    return redirect("shop:cart")


@require_http_methods(["GET", "POST"])
def result_delete(request: HttpRequest, pk: UUID) -> HttpResponse:
    result = get_object_or_404(AdvisorResult, pk=pk)
    if request.method == "POST":
        advisor_result_delete(result=result)
        messages.success(request, "Your advisor result has been deleted.")
        return redirect("advisor:quiz")
    return render(request, "advisor/result_confirm_delete.html", {"result": result})
