"""The advisor API: thin views over advisor/services.py and advisor/selectors.py."""
from __future__ import annotations

from uuid import UUID

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.catalog_cache import catalog_cached, catalog_version, pinned_catalog_version

from ..models import AdvisorResult
from ..selectors import ProductNeed, food_lines_for, matching_products_for
from ..services import recommendation_create
from .serializers import (
    AdvisorAnswersSerializer,
    RecommendationSerializer,
    answers_validate,
    recommendation_catalog_lines,
    recommendation_response_data,
)

FOOD_LINES_RETURNED = 8


def _response_body(request: Request, result: AdvisorResult) -> dict:
    version = catalog_version()
    need = ProductNeed.from_outcome(result.outcome)
    food_codes = list(result.outcome.get("food_nutrients") or ())
    # The match and the food lines are cached per catalog version already; their API form is
    # cached too, as plain values, so a response unpickles no model instances.
    with pinned_catalog_version(version):
        catalog_lines = catalog_cached(
            version, "advisor-api-lines", need, food_codes,
            build=lambda: recommendation_catalog_lines(
                match=matching_products_for(need),
                foods=food_lines_for(codes=food_codes, limit=FOOD_LINES_RETURNED),
            ),
        )
    return recommendation_response_data(
        result=result,
        url=request.build_absolute_uri(reverse("advisor_api:recommendation_detail", args=[result.pk])),
        catalog_lines=catalog_lines,
    )


class RecommendationCreateView(APIView):
    throttle_scope = "advisor"  # open to anonymous callers: rate-limited per client (settings: THROTTLE_RATE_ADVISOR)
    @extend_schema(
        operation_id="advisor_recommendation_create",
        summary="Get a D3 + K2 recommendation for a set of answers",
        request=AdvisorAnswersSerializer,
        responses={
            201: RecommendationSerializer,
            400: OpenApiResponse(description="An error list per bad field; nothing is stored."),
        },
    )
    def post(self, request: Request) -> Response:
        owner = request.user if request.user.is_authenticated else None
        result = recommendation_create(answers_validate(request.data), owner=owner)
        return Response(_response_body(request, result), status=status.HTTP_201_CREATED)


class RecommendationDetailView(APIView):
    @extend_schema(
        operation_id="advisor_recommendation_retrieve",
        summary="A stored recommendation, by its id",
        responses={200: RecommendationSerializer, 404: OpenApiResponse(description="No such result.")},
    )
    def get(self, request: Request, pk: UUID) -> Response:
        result = get_object_or_404(AdvisorResult, pk=pk)
        return Response(_response_body(request, result))
