"""Staff views of advisor results: read-only (they record what someone was told), deletable, and
a summary page linked from the changelist."""
from __future__ import annotations

import json

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from .models import AdvisorResult
from .selectors import advisor_summary


@admin.register(AdvisorResult)
class AdvisorResultAdmin(admin.ModelAdmin):
    change_list_template = "advisor/admin/change_list.html"
    list_display = (
        "created_at",
        "engine_version",
        "refer_to_clinician",
        "d3_daily_iu",
        "k2_form",
        "k2_daily_mcg",
        "led_to_cart_at",
    )
    list_filter = ("refer_to_clinician", "engine_version", "k2_form", ("led_to_cart_at", admin.EmptyFieldListFilter))
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = (
        "id",
        "created_at",
        "engine_version",
        "refer_to_clinician",
        "d3_daily_iu",
        "k2_form",
        "k2_daily_mcg",
        "led_to_cart_at",
        "answers_pretty",
        "outcome_pretty",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AdvisorResult | None = None) -> bool:
        return False

    @admin.display(description="Answers")
    def answers_pretty(self, obj: AdvisorResult) -> str:
        return format_html('<pre class="advisor-json">{}</pre>', json.dumps(obj.answers, indent=2, sort_keys=True))

    @admin.display(description="Outcome")
    def outcome_pretty(self, obj: AdvisorResult) -> str:
        return format_html('<pre class="advisor-json">{}</pre>', json.dumps(obj.outcome, indent=2, sort_keys=True))

    def get_urls(self):
        summary = path(
            "summary/",
            self.admin_site.admin_view(self.summary_view),
            name="advisor_advisorresult_summary",
        )
        return [summary, *super().get_urls()]

    def summary_view(self, request: HttpRequest) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Advisor summary",
            "opts": self.model._meta,
            "summary": advisor_summary(days=30),
        }
        return TemplateResponse(request, "advisor/admin/summary.html", context)
