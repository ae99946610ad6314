"""JSON in and out of the API, safe against hostile bodies (REST_FRAMEWORK's default parser and renderer).

The parser answers a 400 in the API's error format (code ``parse_error``) instead of letting a body
crash the request later: nesting deeper than any API body needs (which would otherwise end in a
RecursionError, in the decoder or in whatever walks the data), and strings with a lone surrogate
(a ``"\\ud800"`` escape decodes to text that has no UTF-8 form, so echoing it in an error message
would fail). The renderer never fails on such text either: it falls back to ASCII escapes.
"""
from __future__ import annotations

import re
from typing import Any

from rest_framework import parsers, renderers
from rest_framework.exceptions import ParseError

# The API's bodies are flat (the advisor's answers nest two levels); 32 is far beyond any of them
# and far below where Python's recursion limit would be reached.
MAX_JSON_DEPTH = 32
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _refusal(data: Any) -> str | None:
    """Why ``data`` (parsed JSON) is refused, or None. Walks with its own stack: no recursion."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if LONE_SURROGATE.search(value):
                return "strings must be valid Unicode (no lone surrogate escapes such as \\ud800)"
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return f"nested deeper than {MAX_JSON_DEPTH} levels"
            children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children)
    return None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # The decoder (C code) gave up cleanly at Python's recursion limit.
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels") from None
        reason = _refusal(data)
        if reason:
            raise ParseError(f"JSON parse error - {reason}")
        return data


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            # Text with a lone surrogate has no UTF-8 form, but a JSON \u escape can carry it.
            return AsciiJSONRenderer().render(data, accepted_media_type, renderer_context)


class AsciiJSONRenderer(renderers.JSONRenderer):
    ensure_ascii = True
