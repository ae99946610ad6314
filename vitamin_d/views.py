"""The "My vitamin D" pages: verified customers only, their own tests only (another person's test
is a 404), changes by POST only, never cached."""
from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.views import customer_page
from advisor import engine
from advisor.models import AdvisorResult

from .chart import MeasuredPoint, timeline_chart_svg
from .forms import BloodTestForm, ConsentForm, RetestRemindersForm
from .selectors import (
    customer_advisor_result_get,
    customer_blood_test_get,
    customer_blood_tests,
    customer_consent,
    customer_latest_advisor_result,
)
from .services import (
    advisor_result_save_to_timeline,
    blood_test_delete,
    blood_test_save,
    consent_give,
    consent_withdraw,
    customer_next_step,
    dose_prefill,
    retest_reminders_set,
)


def _result_to_save(result: AdvisorResult | None, consent, tests: list) -> AdvisorResult | None:
    """The latest advisor result, when it holds a test or answers the timeline does not have yet."""
    if result is None:
        return None
    level = result.answers.get("blood_level") or {}
    tested_on = level.get("tested_on")
    new_test = bool(tested_on) and all(test.tested_on.isoformat() != tested_on for test in tests)
    return result if new_test or consent.advisor_answers != result.answers else None


def _page(request: HttpRequest, *, form: BloodTestForm | None = None, status: int = 200) -> HttpResponse:
    customer = request.user
    consent = customer_consent(customer)
    latest_result = customer_latest_advisor_result(customer)
    context = {"consent": consent, "consent_form": ConsentForm(), "latest_result": latest_result}
    if consent is None:
        return render(request, "vitamin_d/page.html", context, status=status)
    tests = list(customer_blood_tests(customer))
    today = timezone.localdate()
    step = customer_next_step(customer, today=today)
    recommendation = step.recommendation
    prefill = dose_prefill(customer, step)
    context.update({
        "today": today,
        "tests": list(reversed(tests)),
        "step": step,
        "shown": _shown(recommendation) if recommendation else None,
        "chart_svg": timeline_chart_svg([MeasuredPoint(t.tested_on, t.ng_ml) for t in tests], step.projection),
        "prefill": prefill,
        "form": form or BloodTestForm(customer=customer, initial={"d3_daily_iu": prefill.daily_iu, "unit": "ng/mL"}),
        "reminders_form": RetestRemindersForm(initial={"retest_reminders": consent.retest_reminders}),
        "result_to_save": _result_to_save(latest_result, consent, tests),
    })
    return render(request, "vitamin_d/page.html", context, status=status)


def _shown(recommendation: engine.Recommendation) -> dict:
    """The referral reasons, the expected plateau and the warnings, in the engine's words."""
    plateau = recommendation.plateau.text if recommendation.plateau else None
    return {
        "referral_reasons": recommendation.referral_reasons,
        # The capped-dose warning says what the plateau line already says.
        "warnings": [
            warning.message for warning in recommendation.warnings
            if not (plateau and warning.code == engine.WARNING_DOSE_CAPPED)
        ],
        "plateau": plateau,
    }


@customer_page
def page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@customer_page
@require_POST
def consent_give_view(request: HttpRequest) -> HttpResponse:
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick the box to let us keep your test results; nothing was stored.")
        return redirect("vitamin_d:page")
    consent_give(request.user)
    messages.success(request, "Thank you. You can now add your tests; you can delete them at any time.")
    return redirect("vitamin_d:page")


@customer_page
def consent_withdraw_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        deleted = consent_withdraw(request.user)
        messages.success(request, f"Done: we no longer keep your vitamin D data ({deleted} test(s) deleted).")
        return redirect("vitamin_d:page")
    return render(request, "vitamin_d/withdraw.html", {"test_count": customer_blood_tests(request.user).count()})


def _consent_or_redirect(request: HttpRequest) -> HttpResponse | None:
    if customer_consent(request.user) is None:
        messages.error(request, "First say that we may keep your test results.")
        return redirect("vitamin_d:page")
    return None


@customer_page
@require_POST
def test_add(request: HttpRequest) -> HttpResponse:
    if (refused := _consent_or_redirect(request)) is not None:
        return refused
    form = BloodTestForm(request.POST, customer=request.user)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    blood_test_save(request.user, form.data_for_save())
    messages.success(request, "Your test is added. Your next step below uses it.")
    return redirect("vitamin_d:page")


@customer_page
def test_edit(request: HttpRequest, pk: int) -> HttpResponse:
    test = customer_blood_test_get(request.user, pk)
    initial = {field: getattr(test, field) for field in ("tested_on", "value", "unit", "lab_name", "d3_daily_iu")}
    form = BloodTestForm(request.POST or None, customer=request.user, editing=test, initial=initial)
    if request.method == "POST" and form.is_valid():
        blood_test_save(request.user, form.data_for_save(), test=test)
        messages.success(request, "Your test is changed.")
        return redirect("vitamin_d:page")
    return render(request, "vitamin_d/test_form.html", {"form": form, "test": test},
                  status=400 if form.is_bound else 200)


@customer_page
def test_delete(request: HttpRequest, pk: int) -> HttpResponse:
    test = customer_blood_test_get(request.user, pk)
    if request.method == "POST":
        blood_test_delete(request.user, test)
        messages.success(request, "The test is deleted.")
        return redirect("vitamin_d:page")
    return render(request, "vitamin_d/test_confirm_delete.html", {"test": test})


@customer_page
@require_POST
def result_save(request: HttpRequest, pk: UUID) -> HttpResponse:
    result = customer_advisor_result_get(request.user, pk)
    if (refused := _consent_or_redirect(request)) is not None:
        return refused
    test = advisor_result_save_to_timeline(request.user, result)
    if test is None:
        messages.success(request, "Your advisor answers are saved for the dose. Add your test below.")
    else:
        messages.success(request, f"Your test of {test.tested_on:%-d %B %Y} and your answers are saved.")
    return redirect("vitamin_d:page")


@customer_page
@require_POST
def reminders_set(request: HttpRequest) -> HttpResponse:
    if (refused := _consent_or_redirect(request)) is not None:
        return refused
    form = RetestRemindersForm(request.POST)
    form.is_valid()  # a single optional checkbox: always valid
    enabled = form.cleaned_data["retest_reminders"]
    retest_reminders_set(request.user, enabled=enabled)
    messages.success(request, "Retest reminders are on." if enabled else "Retest reminders are off.")
    return redirect("vitamin_d:page")

