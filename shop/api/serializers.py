"""Read shapes for the API. Business rules stay in services and selectors; these only format.

Nutrient amounts: vitamin D is given in IU (``{"amount": 1000, "unit": "IU", "amount_mcg": 25}``),
every other nutrient in micrograms (``{"amount": 100, "unit": "mcg", "amount_mcg": 100}``), the units
labels and shoppers use; ``amount_mcg`` is always there so clients can compare without converting.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.files.storage import default_storage
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from shop.models import (
    FoodNutrientAmount,
    FoodSource,
    Nutrient,
    Order,
    OrderLine,
    Product,
    ProductImage,
    ProductNutrient,
)
from shop.services.images import RENDITION_SIZES

# AuthTokenSerializer's own message for a wrong username or password.
WRONG_CREDENTIALS_MESSAGE = "Unable to log in with provided credentials."
UNIT_CHOICES = [("IU", "International units (vitamin D)"), ("mcg", "Micrograms")]


def _number(value: Decimal | int) -> int | float:
    """A JSON number without trailing zeros: 25.000 -> 25, 45.500 -> 45.5."""
    value = Decimal(value).normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _absolute_url(context: dict, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class NutrientAmountSerializer(serializers.Serializer):
    """One nutrient's amount per serving, from a ProductNutrient or FoodNutrientAmount row."""

    code = serializers.ChoiceField(choices=Nutrient.Code.choices, source="nutrient.code")
    name = serializers.CharField(source="nutrient.name")
    amount = serializers.SerializerMethodField(help_text="Per serving, in `unit`.")
    unit = serializers.SerializerMethodField()
    amount_mcg = serializers.SerializerMethodField(help_text="Per serving, in micrograms.")

    @extend_schema_field(OpenApiTypes.NUMBER)
    def get_amount(self, row: ProductNutrient | FoodNutrientAmount) -> int | float:
        return row.amount_iu if row.amount_iu is not None else _number(row.amount_mcg)

    @extend_schema_field(serializers.ChoiceField(choices=UNIT_CHOICES))
    def get_unit(self, row: ProductNutrient | FoodNutrientAmount) -> str:
        return "IU" if row.amount_iu is not None else "mcg"

    @extend_schema_field(OpenApiTypes.NUMBER)
    def get_amount_mcg(self, row: ProductNutrient | FoodNutrientAmount) -> int | float:
        return _number(row.amount_mcg)


class ImageRenditionSerializer(serializers.Serializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    webp = serializers.URLField()
    jpeg = serializers.URLField()


class ProductImageSerializer(serializers.Serializer):
    alt_text = serializers.CharField()
    position = serializers.IntegerField()
    renditions = serializers.SerializerMethodField(
        help_text=f"Resized copies by size name ({', '.join(RENDITION_SIZES)}), each as WebP and JPEG. "
        "Empty until the renditions have been built."
    )

    @extend_schema_field(serializers.DictField(child=ImageRenditionSerializer()))
    def get_renditions(self, image: ProductImage) -> dict[str, dict]:
        return {
            size: {
                "width": files["width"],
                "height": files["height"],
                "webp": _absolute_url(self.context, default_storage.url(files["webp"])),
                "jpeg": _absolute_url(self.context, default_storage.url(files["jpeg"])),
            }
            for size, files in (image.renditions or {}).items()
            if size in RENDITION_SIZES
        }


class ProductSerializer(serializers.ModelSerializer):
    """Expects a product from shop.selectors (available_quantity annotated, doses and images prefetched)."""

    form = serializers.ChoiceField(choices=Product.Form.choices)
    nutrients = NutrientAmountSerializer(many=True, source="nutrient_amounts")
    servings = serializers.IntegerField(source="servings_per_container", help_text="Servings per container.")
    currency = serializers.SerializerMethodField()
    available = serializers.IntegerField(source="available_quantity", help_text="Units that can be ordered now.")
    in_stock = serializers.SerializerMethodField()
    images = ProductImageSerializer(many=True)
    url = serializers.SerializerMethodField(help_text="The product's page in the shop.")

    class Meta:
        model = Product
        fields = [
            "sku", "slug", "name", "brand", "form", "serving_size", "servings", "nutrients", "other_ingredients",
            "allergens", "price", "currency", "available", "in_stock", "images", "url",
        ]

    def get_currency(self, product: Product) -> str:
        return settings.SHOP_CURRENCY

    def get_in_stock(self, product: Product) -> bool:
        return product.available_quantity > 0

    def get_url(self, product: Product) -> str:
        return _absolute_url(self.context, product.get_absolute_url())


class NutrientSerializer(serializers.ModelSerializer):
    code = serializers.ChoiceField(choices=Nutrient.Code.choices)
    url = serializers.SerializerMethodField(help_text="The nutrient's page in the shop.")

    class Meta:
        model = Nutrient
        fields = ["code", "name", "short_name", "summary", "url"]

    def get_url(self, nutrient: Nutrient) -> str:
        return _absolute_url(self.context, nutrient.get_absolute_url())


class FoodNutrientAmountSerializer(NutrientAmountSerializer):
    source = serializers.CharField(help_text="Where the figure comes from.")


class FoodSourceSerializer(serializers.ModelSerializer):
    nutrients = FoodNutrientAmountSerializer(many=True, source="amounts")

    class Meta:
        model = FoodSource
        fields = ["name", "slug", "serving", "note", "nutrients"]


class OrderLineSerializer(serializers.ModelSerializer):
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = OrderLine
        fields = ["sku", "product_name", "unit_price", "quantity", "line_total"]


class OrderSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Order.Status.choices)
    lines = OrderLineSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "public_id", "number", "status", "email", "full_name", "phone", "address_line1", "address_line2",
            "city", "postal_code", "country", "payment_method", "currency", "subtotal", "shipping_cost",
            "shipping_days", "total", "lines", "created_at",
            "updated_at", "paid_at", "shipped_at", "cancelled_at",
        ]


class StaffAuthTokenSerializer(AuthTokenSerializer):
    """A staff user's username and password. Anyone else's right password gets the very answer a
    wrong password gets, so the endpoint never tells whether a shopper's account and password exist."""

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if not attrs["user"].is_staff:
            raise serializers.ValidationError(WRONG_CREDENTIALS_MESSAGE, code="authorization")
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


class SearchSuggestionSerializer(serializers.Serializer):
    name = serializers.CharField()
    brand = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, suggestion) -> str:
        return _absolute_url(self.context, suggestion.url)


class SearchSuggestionsSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The query as received.")
    corrected_query = serializers.CharField(
        allow_null=True, help_text="What was searched for instead, when the query's words are not in the catalog."
    )
    suggestions = SearchSuggestionSerializer(many=True, help_text="At most 8 products, best match first.")
