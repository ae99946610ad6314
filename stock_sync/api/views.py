"""The stock-sync REST API, for staff: suppliers, their sync runs, and queueing a sync.

Views only parse, call a selector or service, and serialize.
"""
from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api.filters import cleaned_query
from shop.api.permissions import StaffModelPermissions

from ..models import StockSyncRun, Supplier
from ..tasks import stock_sync_enqueue
from .filters import STOCK_SYNC_RUN_QUERY_PARAMETERS, StockSyncRunQueryForm
from .serializers import StockSyncRunSerializer, SupplierSerializer


@extend_schema(tags=["stock"])
class SupplierListView(generics.ListAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = SupplierSerializer
    queryset = Supplier.objects.order_by("name", "pk")


@extend_schema(tags=["stock"])
class SupplierSyncView(APIView):
    """Queue a stock sync for one supplier now; the worker runs it after this request commits."""

    permission_classes = [StaffModelPermissions]
    action_permissions = ("stock_sync.run_stock_sync",)
    queryset = Supplier.objects.all()

    @extend_schema(request=None, responses={202: StockSyncRunSerializer})
    def post(self, request: Request, slug: str) -> Response:
        supplier = get_object_or_404(self.queryset, slug=slug)
        run = stock_sync_enqueue(supplier=supplier, trigger="api")
        data = StockSyncRunSerializer(run, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


def _stock_sync_runs() -> QuerySet[StockSyncRun]:
    runs = StockSyncRun.objects.select_related("supplier").prefetch_related("row_errors")
    return runs.order_by("-created_at", "-pk")


@extend_schema(tags=["stock"], parameters=STOCK_SYNC_RUN_QUERY_PARAMETERS)
class StockSyncRunListView(generics.ListAPIView):
    """Sync runs, newest first, each with the feed rows it rejected."""

    permission_classes = [StaffModelPermissions]
    serializer_class = StockSyncRunSerializer
    queryset = _stock_sync_runs()

    def get_queryset(self) -> QuerySet[StockSyncRun]:
        query = cleaned_query(StockSyncRunQueryForm, self.request.query_params)
        runs = super().get_queryset()
        if query["supplier"]:
            runs = runs.filter(supplier__slug=query["supplier"])
        if query["status"]:
            runs = runs.filter(status__in=query["status"])
        return runs


@extend_schema(tags=["stock"])
class StockSyncRunDetailView(generics.RetrieveAPIView):
    permission_classes = [StaffModelPermissions]
    serializer_class = StockSyncRunSerializer
    queryset = _stock_sync_runs()
