"""Query-string parsing for the stock-sync API's lists, with the shop API's form helpers."""
from __future__ import annotations

from django import forms

from shop.api.filters import form_query_parameters

from ..models import StockSyncRun


class StockSyncRunQueryForm(forms.Form):
    supplier = forms.SlugField(label="Only runs of this supplier (slug)", required=False, max_length=60)
    status = forms.MultipleChoiceField(label="Only runs in these states", required=False,
                                       choices=StockSyncRun.Status.choices)


STOCK_SYNC_RUN_QUERY_PARAMETERS = form_query_parameters(StockSyncRunQueryForm)
