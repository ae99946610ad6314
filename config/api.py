"""The API's one error format, the schema class that documents it, the 400/404/500 pages for /api/,
and the limit on an API request's body.

Every 4xx from the API has this body, whatever raised it (validation, auth, throttling, routing)::

    {"error": {"status": 400, "code": "invalid", "message": "…", "fields": {"age": ["…"]}}}

``fields`` is present only for validation errors; nested errors are flattened to dotted keys
("lines.0.quantity") so a client only ever sees ``{str: [str]}``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.views import defaults
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

# Error statuses any API operation can answer with: bad input, bad or missing credentials, no
# permission, unknown object, wrong method, unacceptable Accept header, body too large, unsupported
# body type, throttled. Documented on every operation so clients and schemathesis know the shape.
DOCUMENTED_ERROR_STATUSES = ("400", "401", "403", "404", "405", "406", "413", "415", "429")


class Conflict(exceptions.APIException):
    """The request is valid but the resource's current state forbids it (e.g. shipping a cancelled order)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the resource's current state."
    default_code = "conflict"


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField(help_text="The HTTP status code, repeated for convenience.")
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. invalid, not_found, throttled.")
    message = serializers.CharField(help_text="A human-readable sentence.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors per field (dotted path for nested fields); only for code 'invalid'.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


def error_body(*, status_code: int, code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict:
    body: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _flatten_field_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into ``{"dotted.path": ["message", …]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            flat.update(_flatten_field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list) and any(isinstance(item, Mapping | list) for item in detail):
        for index, value in enumerate(detail):
            flat.update(_flatten_field_errors(value, f"{prefix}.{index}" if prefix else str(index)))
    elif isinstance(detail, list):
        flat[prefix or "non_field_errors"] = [str(item) for item in detail]
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return {key: messages for key, messages in flat.items() if messages}


def _validation_message(fields: dict[str, list[str]]) -> str:
    general = fields.get("non_field_errors")
    if general and len(fields) == 1:
        return " ".join(general)
    return "Some fields are invalid; see 'fields'."


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's handler (which maps Http404/PermissionDenied and sets Retry-After, WWW-Authenticate),
    with the body rewritten into the one error format."""
    # Converted here (as DRF does internally) so the code and message below come from one place.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling takes over
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten_field_errors(exc.detail)
        response.data = error_body(
            status_code=response.status_code, code="invalid", message=_validation_message(fields), fields=fields
        )
    else:
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        response.data = error_body(status_code=response.status_code, code=str(code), message=str(detail))
    return response


class ErrorDocumentingAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema that adds the error format to every operation's responses, and
    says who may call it, in the words of the view's permission classes (those with ``describe``)."""

    def get_description(self) -> str:
        rules = [
            permission.describe(self.view, self.method)
            for permission in self.view.get_permissions()
            if hasattr(permission, "describe")
        ]
        return "\n\n".join([super().get_description(), *(f"**Permission:** {rule}" for rule in rules)]).strip()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in DOCUMENTED_ERROR_STATUSES:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        for code, response in responses.items():
            # A view that documents an error status with only a description still answers in this format.
            if code.startswith("4") and "content" not in response:
                described = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                responses[code] = {**described, "description": response.get("description", "")}
        return responses


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_body_too_large_response() -> JsonResponse:
    message = f"The request body is larger than this API accepts ({settings.API_MAX_BODY_BYTES:,} bytes)."
    return JsonResponse(error_body(status_code=413, code="too_large", message=message), status=413)


def _page_without_request(template_name: str) -> str:
    """An error page rendered from the settings alone: no request, so no context processor, session
    or database query can fail while the error is being reported (the 400 may be for a broken
    request, the 500 for a broken database)."""
    return loader.get_template(template_name).render({"shop_name": settings.SHOP_NAME})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token (an expired session, a page open for too long, or a
    forged request): the shop's page rather than Django's, whose inline styles the CSP blocks. The
    API answers in its own format through DRF before this view is reached."""
    return HttpResponseForbidden(_page_without_request("403_csrf.html"))


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 for what Django refuses before a view answers (a body over DATA_UPLOAD_MAX_MEMORY_SIZE,
    too many form fields, a bad Host header): the error format under /api/, the shop's page (400.html)
    elsewhere. Django has logged it to django.security already."""
    if is_api_request(request):
        if isinstance(exception, RequestDataTooBig):
            return api_body_too_large_response()
        return JsonResponse(
            error_body(status_code=400, code="bad_request", message="The request is malformed."), status=400
        )
    return HttpResponseBadRequest(_page_without_request("400.html"))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for an unknown URL: the error format under /api/, the shop's page (404.html) elsewhere."""
    if is_api_request(request):
        return JsonResponse(
            error_body(status_code=404, code="not_found", message="No API endpoint at this address."), status=404
        )
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: the error format under /api/ (no details: they are in the logs), the shop's page (500.html)
    elsewhere."""
    if is_api_request(request):
        return JsonResponse(
            error_body(status_code=500, code="server_error", message="An unexpected error occurred."), status=500
        )
    return HttpResponseServerError(_page_without_request("500.html"))
