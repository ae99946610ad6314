"""Query-string parsing for the API's lists.

The product list reuses the storefront's ProductFilterForm, so the API and the product pages accept
exactly the same parameters with the same rules; the OpenAPI parameters are derived from that form
so the schema can never drift from what the view accepts. Unlike the page (which drops a bad value
and says so), the API rejects it with a 400 naming the field.
"""
from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from config.openapi import ALLOW_EMPTY_VALUE_EXTENSION
from shop.catalog_queries import PAGE, Parameter, canonical_pairs
from shop.forms import MAX_SEARCH_LENGTH, ProductFilterForm
from shop.models import Nutrient, Order
from shop.selectors import ProductFilters

# Django form fields reject NUL characters; saying so in the schema keeps generated clients honest.
NO_NUL_PATTERN = r"^[^\x00]*$"
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
# What a checkbox filter accepts: "on" is what the shop's own form sends. A Django BooleanField
# would read any other text as True; the API refuses it instead of guessing.
BOOLEAN_VALUES = ("true", "false", "on", "1", "0")


def _decimal_pattern(field: forms.DecimalField) -> str:
    whole_digits = field.max_digits - field.decimal_places
    return rf"^\d{{1,{whole_digits}}}(\.\d{{1,{field.decimal_places}}})?$"


def _schema(**keywords) -> dict:
    return {key: value for key, value in keywords.items() if value is not None}


def _parameter_for_field(name: str, field: forms.Field) -> OpenApiParameter:
    description = str(field.label or name.replace("_", " ").capitalize())
    common = {"name": name, "location": OpenApiParameter.QUERY, "required": False, "description": description}
    if isinstance(field, forms.MultipleChoiceField):
        # Each value must be a listed choice: an empty value is an error here, not "no filter".
        return OpenApiParameter(
            type={"type": "array", "items": {"type": "string", "enum": [value for value, _ in field.choices]}},
            explode=True,
            style="form",
            **common,
        )
    # As on the shop's pages (an HTML form submits empty inputs), an empty value means "no filter".
    common["extensions"] = {ALLOW_EMPTY_VALUE_EXTENSION: True}
    if isinstance(field, forms.ChoiceField):
        return OpenApiParameter(type=str, enum=[value for value, _ in field.choices if value], **common)
    if isinstance(field, forms.BooleanField):
        return OpenApiParameter(type={"type": "string", "enum": list(BOOLEAN_VALUES)}, **common)
    # Before IntegerField: Django's DecimalField is a subclass of it.
    if isinstance(field, forms.DecimalField):
        # A string with a pattern: JSON numbers cannot promise "at most N decimal places".
        return OpenApiParameter(type={"type": "string", "pattern": _decimal_pattern(field)}, **common)
    if isinstance(field, forms.IntegerField):
        return OpenApiParameter(
            type=_schema(type="integer", minimum=field.min_value, maximum=field.max_value), **common
        )
    pattern = SLUG_PATTERN if isinstance(field, forms.SlugField) else NO_NUL_PATTERN
    return OpenApiParameter(type=_schema(type="string", maxLength=field.max_length, pattern=pattern), **common)


def form_query_parameters(form_class: type[forms.Form]) -> list[OpenApiParameter]:
    return [_parameter_for_field(name, field) for name, field in form_class.base_fields.items()]


PRODUCT_QUERY_PARAMETERS = form_query_parameters(ProductFilterForm)


def _boolean_errors(form_class: type[forms.Form], query: QueryDict) -> dict[str, list[str]]:
    errors = {}
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.BooleanField):
            bad = [value for value in query.getlist(name) if value not in ("", *BOOLEAN_VALUES)]
            if bad:
                errors[name] = [f"Use one of {', '.join(BOOLEAN_VALUES)}, not {bad[0][:20]!r}."]
    return errors


def _form_errors(form: forms.Form) -> dict[str, list[str]]:
    return {name: [str(message) for message in messages] for name, messages in form.errors.items()}


def _valid_form(form_class: type[forms.Form], query: QueryDict) -> forms.Form:
    """The bound, valid form; otherwise a 400 naming every bad parameter."""
    form = form_class(query)
    errors = {**(_form_errors(form) if not form.is_valid() else {}), **_boolean_errors(form_class, query)}
    if errors:
        raise ValidationError(errors)
    return form


def product_filters_from_query(query: QueryDict) -> ProductFilters:
    """The storefront's filters from a query string; a 400 with per-field errors if any value is bad."""
    return _valid_form(ProductFilterForm, query).to_filters()


class FoodQueryForm(forms.Form):
    nutrient = forms.MultipleChoiceField(
        label="Only foods carrying any of these nutrients, richest first",
        required=False,
        choices=Nutrient.Code.choices,
    )


FOOD_QUERY_PARAMETERS = form_query_parameters(FoodQueryForm)
_FOOD_CACHE_PARAMETERS = {
    "nutrient": Parameter(tuple(code for code, _ in FoodQueryForm.base_fields["nutrient"].choices), multiple=True),
    "page": PAGE,
}


def food_query(query: QueryDict) -> str | None:
    """The food list's canonical query string, if its answer may be cached (shop.catalog_queries)."""
    pairs = canonical_pairs(query, _FOOD_CACHE_PARAMETERS)
    return None if pairs is None else urlencode(pairs)


class SearchSuggestionQueryForm(forms.Form):
    q = forms.CharField(label="What the shopper has typed so far", required=False, max_length=MAX_SEARCH_LENGTH,
                        strip=False)


SEARCH_SUGGESTION_QUERY_PARAMETERS = form_query_parameters(SearchSuggestionQueryForm)


class OrderQueryForm(forms.Form):
    status = forms.MultipleChoiceField(label="Only orders in these states", required=False,
                                       choices=Order.Status.choices)


ORDER_QUERY_PARAMETERS = form_query_parameters(OrderQueryForm)


def cleaned_query(form_class: type[forms.Form], query: QueryDict) -> dict:
    """A small filter form's cleaned data, or a 400 naming every bad parameter."""
    return _valid_form(form_class, query).cleaned_data
