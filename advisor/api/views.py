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

from ..models import AdvisorResult
from ..presenter import present_result
from ..services import recommendation_create
from .serializers import (
    AdvisorAnswersSerializer,
    RecommendationSerializer,
    answers_validate,
    recommendation_response_data,
)


def _response_body(request: Request, result: AdvisorResult) -> dict:
    # The same presenter as the result page; its catalog half is cached per need and catalog version.
    return recommendation_response_data(
        presented=present_result(result),
        url=request.build_absolute_uri(reverse("advisor_api:recommendation_detail", args=[result.pk])),
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
