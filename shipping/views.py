"""The shipping page: the staff-edited text (the "/shipping/" flatpage) and the live rate table."""
from __future__ import annotations

from django.conf import settings
from django.contrib.flatpages.models import FlatPage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import shipping_rate_table


def shipping_page(request: HttpRequest) -> HttpResponse:
    flatpage = FlatPage.objects.filter(url="/shipping/", sites=settings.SITE_ID).first()
    return render(request, "shipping/page.html", {"flatpage": flatpage, "rates": shipping_rate_table()})
