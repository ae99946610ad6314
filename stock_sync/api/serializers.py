"""Read shapes for the stock-sync API; they only format."""
from __future__ import annotations

from rest_framework import serializers

from ..models import StockSyncRowError, StockSyncRun, Supplier


class SupplierSerializer(serializers.ModelSerializer):
    feed_format = serializers.ChoiceField(choices=Supplier.FeedFormat.choices)
    # The token itself is a credential: the API only says whether one is set.
    has_auth_token = serializers.SerializerMethodField()

    class Meta:
        model = Supplier
        fields = [
            "name", "slug", "feed_url", "feed_format", "has_auth_token", "is_enabled", "sync_interval_minutes",
            "created_at", "updated_at",
        ]

    def get_has_auth_token(self, supplier: Supplier) -> bool:
        return bool(supplier.auth_token)


class StockSyncRowErrorSerializer(serializers.ModelSerializer):
    reason = serializers.ChoiceField(choices=StockSyncRowError.Reason.choices)

    class Meta:
        model = StockSyncRowError
        fields = ["line", "sku", "reason", "detail"]


class StockSyncRunSerializer(serializers.ModelSerializer):
    supplier = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    status = serializers.ChoiceField(choices=StockSyncRun.Status.choices)
    duration_seconds = serializers.FloatField(allow_null=True)
    row_errors = StockSyncRowErrorSerializer(many=True)

    class Meta:
        model = StockSyncRun
        fields = [
            "id", "supplier", "status", "trigger", "feed_sha256", "message", "rows_seen", "rows_updated",
            "rows_unchanged", "rows_rejected", "attempts", "created_at", "started_at", "finished_at",
            "duration_seconds", "row_errors",
        ]
