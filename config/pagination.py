"""The API's pagination (its own module: DRF imports it while loading its settings)."""
from __future__ import annotations

from rest_framework import pagination

from config.openapi import ALLOW_EMPTY_VALUE_EXTENSION


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page numbers, documented as they behave: an empty ``page`` is page 1, pages start at 1
    (and a page that does not exist is a 404)."""

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
                parameter[ALLOW_EMPTY_VALUE_EXTENSION] = True
        return parameters
