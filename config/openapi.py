"""OpenAPI details drf-spectacular cannot express directly (no DRF imports here: settings load it)."""
from __future__ import annotations

# drf-spectacular only passes "x-" keys through on parameters; this hook turns the marker into
# OpenAPI's own allowEmptyValue.
ALLOW_EMPTY_VALUE_EXTENSION = "x-allow-empty-value"


def allow_empty_query_values(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: ``x-allow-empty-value`` -> ``allowEmptyValue``."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                if parameter.pop(ALLOW_EMPTY_VALUE_EXTENSION, False):
                    parameter["allowEmptyValue"] = True
    return result
