"""The shop's REST API: the catalog for everyone, orders for staff (suppliers and stock sync: the
stock_sync app's API).

Views only parse, call a selector or service, and serialize.
"""
from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from config.api import Conflict, ErrorSerializer
from config.api_json import JSONRenderer
from config.pagination import PageNumberPagination
from config.ratelimit import ClientRateThrottle
from shop.catalog_cache import canonical_site, catalog_cached, catalog_version, no_query
from shop.catalog_queries import exact_query, page_only_query, product_list_query
from shop.models import FoodNutrientAmount, FoodSource, Nutrient, Order, Product
from shop.search import search_suggestions
from shop.selectors import foods_for_nutrients, product_get_for_page, product_list
from shop.services.order_errors import InvalidOrderTransition
from shop.services.orders import order_cancel, order_mark_paid, order_ship

from .filters import (
    FOOD_QUERY_PARAMETERS,
    ORDER_QUERY_PARAMETERS,
    PRODUCT_QUERY_PARAMETERS,
    SEARCH_SUGGESTION_QUERY_PARAMETERS,
    FoodQueryForm,
    OrderQueryForm,
    SearchSuggestionQueryForm,
    cleaned_query,
    food_query,
    product_filters_from_query,
)
from .permissions import StaffModelPermissions
from .serializers import (
    FoodSourceSerializer,
    NutrientSerializer,
    OrderSerializer,
    ProductSerializer,
    SearchSuggestionsSerializer,
    StaffAuthTokenSerializer,
    TokenSerializer,
)


class ProductPagination(PageNumberPagination):
    """The product pages' page size, so page N of the API is page N of the shop."""

    page_size = settings.SHOP_PRODUCTS_PER_PAGE


# --- Catalog (everyone) -----------------------------------------------------------------------


class SharedCatalogDataMixin:
    """Catalog answers are the same for every caller, so their serialized data is cached per
    catalog version (any change shoppers can see moves it, see shop.catalog_cache).

    Only a query string from the small fixed set ``cache_query`` allows (shop.catalog_queries), sent
    exactly in its canonical form, is cached: the data repeats the query string as sent (the
    next/previous links), so one written another way is served fresh. Searches, free numbers,
    unknown parameters and deep pages are served fresh too: no query string can add cache entries.
    Errors (a 400 for a bad value, a 404) are raised while building, so they are never cached.
    """

    cache_query: staticmethod = staticmethod(no_query)

    def shared_response(self, request: Request, build: Callable[[], Response]) -> Response:
        canonical = exact_query(request.META.get("QUERY_STRING", ""), self.cache_query)
        site = canonical_site(request)
        if canonical is None or site is None:
            return build()
        data = catalog_cached(
            catalog_version(), f"api:{type(self).__name__}", site, request.path_info,
            canonical, build=lambda: build().data,
        )
        return Response(data)


@extend_schema(tags=["catalog"], parameters=PRODUCT_QUERY_PARAMETERS)
class ProductListView(SharedCatalogDataMixin, generics.ListAPIView):
    """Active products with the shop's filters, search (`q`), sorting (`sort`) and pages (`page`)."""

    serializer_class = ProductSerializer
    pagination_class = ProductPagination
    cache_query = staticmethod(product_list_query)

    def list(self, request: Request, *args, **kwargs) -> Response:
        return self.shared_response(request, lambda: super(ProductListView, self).list(request, *args, **kwargs))

    def get_queryset(self) -> QuerySet[Product]:
        return product_list(filters=product_filters_from_query(self.request.query_params))


@extend_schema(tags=["catalog"], parameters=SEARCH_SUGGESTION_QUERY_PARAMETERS,
               responses={200: SearchSuggestionsSerializer})
class SearchSuggestionsView(APIView):
    """Products for a search being typed, for the shop's search box: at most 8, best match first.

    Anonymous and free text, so never cached on the server (any text would be a new entry);
    throttled per client instead, and the browser may keep an answer for a minute."""

    throttle_scope = "search"  # settings: THROTTLE_RATE_SEARCH

    def get(self, request: Request) -> Response:
        query = cleaned_query(SearchSuggestionQueryForm, request.query_params)["q"]
        suggestions, corrected = search_suggestions(query)
        data = SearchSuggestionsSerializer(
            {"query": query, "corrected_query": corrected, "suggestions": suggestions}, context={"request": request}
        ).data
        response = Response(data)
        response["Cache-Control"] = "private, max-age=60"
        return response


@extend_schema(tags=["catalog"])
class ProductDetailView(SharedCatalogDataMixin, generics.RetrieveAPIView):
    serializer_class = ProductSerializer
    lookup_field = "slug"

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self.shared_response(
            request, lambda: super(ProductDetailView, self).retrieve(request, *args, **kwargs)
        )

    def get_object(self) -> Product:
        try:
            return product_get_for_page(slug=self.kwargs["slug"])
        except Product.DoesNotExist:
            raise Http404("No active product with this slug.") from None


@extend_schema(tags=["catalog"])
class NutrientListView(SharedCatalogDataMixin, generics.ListAPIView):
    serializer_class = NutrientSerializer
    queryset = Nutrient.objects.order_by("sort_order", "code")
    cache_query = staticmethod(page_only_query)

    def list(self, request: Request, *args, **kwargs) -> Response:
        return self.shared_response(request, lambda: super(NutrientListView, self).list(request, *args, **kwargs))


@extend_schema(tags=["catalog"], parameters=FOOD_QUERY_PARAMETERS)
class FoodListView(SharedCatalogDataMixin, generics.ListAPIView):
    """Food sources with their amounts; with `nutrient`, only foods carrying one of them, richest first."""

    serializer_class = FoodSourceSerializer
    cache_query = staticmethod(food_query)

    def list(self, request: Request, *args, **kwargs) -> Response:
        return self.shared_response(request, lambda: super(FoodListView, self).list(request, *args, **kwargs))

    def get_queryset(self) -> QuerySet[FoodSource] | list[FoodSource]:
        codes = cleaned_query(FoodQueryForm, self.request.query_params)["nutrient"]
        if codes:
            return foods_for_nutrients(codes=codes)
        return FoodSource.objects.prefetch_related(
            Prefetch("amounts", queryset=FoodNutrientAmount.objects.select_related("nutrient"))
        ).order_by("name")


# --- Orders (staff) ---------------------------------------------------------------------------


def _orders() -> QuerySet[Order]:
    return Order.objects.prefetch_related("lines").order_by("-created_at", "-pk")


@extend_schema(tags=["orders"], parameters=ORDER_QUERY_PARAMETERS)
class OrderListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = OrderSerializer
    queryset = _orders()

    def get_queryset(self) -> QuerySet[Order]:
        statuses = cleaned_query(OrderQueryForm, self.request.query_params)["status"]
        orders = super().get_queryset()
        return orders.filter(status__in=statuses) if statuses else orders


@extend_schema(tags=["orders"])
class OrderDetailView(generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = OrderSerializer
    lookup_field = "public_id"
    queryset = _orders()


class OrderTransitionView(APIView):
    """POST moves an order to the next state through the orders service; 409 if the state forbids it."""

    permission_classes = [StaffModelPermissions]
    action_permissions = ("shop.change_order",)
    queryset = Order.objects.all()
    transition: Callable[..., Order]

    def post(self, request: Request, public_id: UUID) -> Response:
        order = get_object_or_404(self.queryset, public_id=public_id)
        try:
            changed = self.transition(order=order)
        except InvalidOrderTransition as exc:
            raise Conflict(str(exc), code="invalid_transition") from exc
        return Response(OrderSerializer(_orders().get(pk=changed.pk), context={"request": request}).data)


TRANSITION_RESPONSES = {200: OrderSerializer, 409: OpenApiResponse(ErrorSerializer, "The order's state forbids this.")}


@extend_schema(tags=["orders"], request=None, responses=TRANSITION_RESPONSES, summary="Mark a placed order as paid")
class OrderPayView(OrderTransitionView):
    transition = staticmethod(order_mark_paid)


@extend_schema(tags=["orders"], request=None, responses=TRANSITION_RESPONSES, summary="Ship a placed or paid order")
class OrderShipView(OrderTransitionView):
    transition = staticmethod(order_ship)


@extend_schema(tags=["orders"], request=None, responses=TRANSITION_RESPONSES, summary="Cancel a placed or paid order")
class OrderCancelView(OrderTransitionView):
    transition = staticmethod(order_cancel)


# --- Tokens -----------------------------------------------------------------------------------


def _wrong_credentials(errors: dict) -> bool:
    # AuthTokenSerializer's code for a refused login; a body that is not a mapping is a plain 400.
    return set(errors) == {"non_field_errors"} and errors["non_field_errors"][0].code == "authorization"


@extend_schema(tags=["auth"])
class TokenObtainView(ObtainAuthToken):
    """Exchange a staff username and password for an API token (send it as `Authorization: Token …`).
    Only staff get one; any other account gets the answer a wrong password gets.

    Throttled per client, and django-axes counts failures like admin logins."""

    serializer_class = StaffAuthTokenSerializer
    # ObtainAuthToken sets its own; the API's (hostile-body-safe) JSON is the one to use.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES
    renderer_classes = [JSONRenderer]
    throttle_classes = [ClientRateThrottle]  # ObtainAuthToken turns throttles off; this one is on
    throttle_scope = "login"

    @extend_schema(responses={200: TokenSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid() and _wrong_credentials(serializer.errors):
            # Well-formed but wrong credentials: a 401, like any other failed authentication.
            raise AuthenticationFailed(str(serializer.errors["non_field_errors"][0]))
        serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
