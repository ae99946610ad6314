"""The shop's data: nutrients, products and their amounts, images, stock, food sources and orders.
(Suppliers, whose feeds set stock on hand, belong to the stock_sync app.)

Amounts are stored in micrograms for every nutrient; IU for vitamin D is derived (1 mcg = 40 IU),
so one column answers both units and nothing can drift.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePath

from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from rest_framework.authtoken.models import TokenProxy

from .search_documents import DoseText, search_document_from

IU_PER_MCG_VITAMIN_D = 40


def vitamin_d_iu(amount_mcg: Decimal) -> int:
    """International units for an amount of vitamin D in mcg (1 mcg = 40 IU), rounded half up."""
    return int((amount_mcg * IU_PER_MCG_VITAMIN_D).to_integral_value(rounding=ROUND_HALF_UP))


def available_units(on_hand: int, allocated: int) -> int:
    """What can still be sold: on hand minus what orders hold, never below zero."""
    return max(on_hand - allocated, 0)


def in_stock_q() -> Q:
    """Products with at least one unit available (a product without a Stock row has none)."""
    return Q(stock__on_hand__gt=F("stock__allocated"))


def oversold_q() -> Q:
    """Products whose orders hold more than the supplier reports on hand (after a stock sync)."""
    return Q(stock__allocated__gt=F("stock__on_hand"))


class Nutrient(models.Model):
    """A nutrient a product or food can carry: D3, K2 MK-4, K2 MK-7, K1."""

    class Code(models.TextChoices):
        D3 = "d3", "Vitamin D3"
        K2_MK4 = "k2-mk4", "Vitamin K2 (MK-4)"
        K2_MK7 = "k2-mk7", "Vitamin K2 (MK-7)"
        K1 = "k1", "Vitamin K1"

    code = models.SlugField(max_length=20, unique=True, choices=Code.choices)
    name = models.CharField(max_length=80)
    short_name = models.CharField(max_length=20, help_text="Used in filters and badges, e.g. 'D3', 'MK-7'.")
    summary = models.CharField(max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # Its names are in the search documents of the products that carry it. One transaction, so
        # the catalog version moves with the documents (shop.signals bumps it first in a transaction).
        with transaction.atomic():
            super().save(*args, **kwargs)
            _refresh_search_documents(list(self.product_amounts.values_list("product_id", flat=True)))

    def get_absolute_url(self) -> str:
        return reverse("shop:nutrient_detail", args=[self.code])

    @property
    def is_vitamin_d(self) -> bool:
        return self.code == self.Code.D3

    @property
    def is_k2(self) -> bool:
        return self.code in (self.Code.K2_MK4, self.Code.K2_MK7)


# The text search configuration of the search vector: no stemming or stop words, because the
# shop's own normaliser (shop.search_terms) has already written the document in its vocabulary.
SEARCH_CONFIG = "simple"


class SearchDocumentVector(models.Func):
    """The search document as a tsvector on PostgreSQL. Other databases have no tsvector: there the
    column is NULL and the search reads the document itself (shop.search)."""

    output_field = SearchVectorField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return compiler.compile(SearchVector(*self.source_expressions, config=SEARCH_CONFIG))

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []


def _refresh_search_documents(product_ids: list[int]) -> None:
    Product.objects.filter(pk__in=product_ids).refresh_search_documents()


class ProductQuerySet(models.QuerySet):
    def active(self) -> ProductQuerySet:
        return self.filter(is_active=True)

    def refresh_search_documents(self) -> None:
        """Rewrite these products' stored search documents: after their doses or nutrients changed,
        or after a bulk write that skipped ``Product.save()`` (``bulk_create``, ``QuerySet.update``).

        ``bulk_update``: the products themselves did not change, so no signal and no ``updated_at``.
        Call it in the transaction that changed them, or bump the catalog version after it, as for any
        bulk write (shop.signals), so no cached vocabulary outlives the old documents.
        """
        amounts = models.Prefetch("nutrient_amounts", queryset=ProductNutrient.objects.select_related("nutrient"))
        changed = []
        for product in self.prefetch_related(amounts):
            document = product.search_document_of(product.nutrient_amounts.all())
            if document != product.search_document:
                product.search_document = document
                changed.append(product)
        self.model.objects.bulk_update(changed, ["search_document"], batch_size=500)

    def with_available(self) -> ProductQuerySet:
        """Annotate ``available_quantity`` = max(on hand - allocated, 0), for filtering and sorting."""
        available = F("stock__on_hand") - F("stock__allocated")
        return self.annotate(
            available_quantity=models.Case(
                models.When(stock__isnull=True, then=models.Value(0)),
                models.When(stock__on_hand__lte=F("stock__allocated"), then=models.Value(0)),
                default=available,
                output_field=models.IntegerField(),
            )
        )

    def in_stock(self) -> ProductQuerySet:
        return self.filter(in_stock_q())


class Product(models.Model):
    class Form(models.TextChoices):
        SOFTGEL = "softgel", "Softgel"
        CAPSULE = "capsule", "Capsule"
        TABLET = "tablet", "Tablet"
        DROPS = "drops", "Drops"
        GUMMY = "gummy", "Gummy"
        POWDER = "powder", "Powder"
        SPRAY = "spray", "Spray"

    sku = models.CharField("SKU", max_length=40, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=160)
    brand = models.CharField(max_length=80)
    form = models.CharField(max_length=20, choices=Form.choices)
    description = models.TextField(blank=True)
    # Label information a shopper with an allergy or a diet needs before buying. Empty means "not
    # stated" (the page says so), which is not the same as "none": write "None" when there are none.
    other_ingredients = models.TextField(
        blank=True,
        help_text="Everything in a serving besides the vitamins, as on the label, e.g. 'Olive oil, gelatin'.",
    )
    allergens = models.CharField(
        max_length=200, blank=True,
        help_text="Major food allergens a serving contains, e.g. 'Soy'. Write 'None' if it contains none; "
        "left empty, the page says allergens are not stated.",
    )
    serving_size = models.CharField(
        max_length=60, help_text="What one serving is, e.g. '1 softgel' or '2 drops'.", default="1 softgel"
    )
    servings_per_container = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    is_active = models.BooleanField(default=True, help_text="Inactive products are hidden from shoppers.")
    is_featured = models.BooleanField(default=False, help_text="Shown on the home page.")
    nutrients = models.ManyToManyField(Nutrient, through="ProductNutrient", related_name="products")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The product's words in the shop's search vocabulary (shop.search), rewritten on every save of
    # the product or of its doses. Built in Python because the vocabulary (MK-7 = mk7, 2,000 = 2000,
    # doses in IU and mcg) is the same code that reads queries.
    search_document = models.TextField(blank=True, default="", editable=False)
    # Kept up to date by PostgreSQL itself (a stored generated column) and GIN-indexed (migration
    # 0008), so a search neither parses documents nor can find a stale one.
    search_vector = models.GeneratedField(
        expression=SearchDocumentVector("search_document"), output_field=SearchVectorField(), db_persist=True
    )

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="product_price_positive"),
            models.CheckConstraint(condition=Q(servings_per_container__gte=1), name="product_servings_positive"),
        ]
        indexes = [models.Index(fields=["is_active", "price"]), models.Index(fields=["is_active", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    def save(self, *args, **kwargs) -> None:
        amounts = self.nutrient_amounts.select_related("nutrient") if self.pk else []
        self.search_document = self.search_document_of(amounts)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_document"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("shop:product_detail", args=[self.slug])

    def search_document_of(self, amounts: Iterable[ProductNutrient]) -> str:
        """This product's words in the shop's search vocabulary, with these doses."""
        return search_document_from(
            name=self.name, brand=self.brand, form_label=self.get_form_display(), description=self.description,
            doses=[amount.dose_text() for amount in amounts],
        )

    @property
    def price_per_serving(self) -> Decimal:
        return (self.price / self.servings_per_container).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)

    @property
    def price_per_30_days(self) -> Decimal:
        """Price of 30 daily servings (one serving a day), rounded to cents."""
        return (self.price * 30 / self.servings_per_container).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class ProductNutrient(models.Model):
    """How much of one nutrient one serving of a product gives. A D3+K2 product has two rows."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="nutrient_amounts")
    nutrient = models.ForeignKey(Nutrient, on_delete=models.PROTECT, related_name="product_amounts")
    amount_mcg = models.DecimalField(
        "amount per serving (mcg)", max_digits=9, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )

    class Meta:
        ordering = ["nutrient__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["product", "nutrient"], name="product_nutrient_unique"),
            models.CheckConstraint(condition=Q(amount_mcg__gt=0), name="product_nutrient_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.nutrient.short_name}: {self.amount_mcg} mcg"

    # A dose is part of its product's search document ("2000 iu", "mk7"): rewritten in the same
    # transaction, so the catalog version moves with it (as for Nutrient.save).
    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            _refresh_search_documents([self.product_id])

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            result = super().delete(*args, **kwargs)
            _refresh_search_documents([self.product_id])
        return result

    def dose_text(self) -> DoseText:
        iu = vitamin_d_iu(self.amount_mcg) if self.nutrient.is_vitamin_d else None
        return DoseText(self.nutrient.name, self.nutrient.short_name, self.amount_mcg, iu)

    @property
    def amount_iu(self) -> int | None:
        """International units, for vitamin D only (1 mcg = 40 IU); None for other nutrients."""
        if self.nutrient.code != Nutrient.Code.D3:
            return None
        return vitamin_d_iu(self.amount_mcg)


def product_image_path(instance: ProductImage, filename: str) -> str:
    # The stored name never comes from the uploader: a random name, keeping only the extension,
    # which image validation has already set to match the format Pillow detected.
    return f"products/{instance.product_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class ProductImage(models.Model):
    """An uploaded product image and the renditions made from it once, at upload time.

    ``renditions`` maps a size name to its files, e.g.
    ``{"card": {"width": 320, "height": 320, "webp": "products/1/…webp", "jpeg": "products/1/…jpg"}}``.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0, editable=False)
    height = models.PositiveIntegerField(default=0, editable=False)
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Image {self.position} of {self.product_id}"


class Stock(models.Model):
    """What the supplier physically holds for us (on hand) and what placed orders hold (allocated).

    Available = max(on hand - allocated, 0). Orders change ``allocated`` (and shipping lowers both);
    stock sync only ever sets ``on_hand``. On hand may fall below allocated after a sync: available
    is then 0 and the product shows in the admin's oversold filter.
    """

    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="stock")
    on_hand = models.PositiveIntegerField(default=0)
    allocated = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "stock"
        constraints = [
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_non_negative"),
            models.CheckConstraint(condition=Q(allocated__gte=0), name="stock_allocated_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.on_hand} on hand, {self.allocated} allocated"

    @property
    def available(self) -> int:
        return available_units(self.on_hand, self.allocated)

    @property
    def is_oversold(self) -> bool:
        return self.allocated > self.on_hand


class FoodSource(models.Model):
    """A food and its serving; amounts per nutrient live in FoodNutrientAmount."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    serving = models.CharField(max_length=60, help_text="e.g. '3 oz (85 g)' or '1 large egg'.")
    note = models.CharField(max_length=300, blank=True)
    nutrients = models.ManyToManyField(Nutrient, through="FoodNutrientAmount", related_name="foods")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FoodNutrientAmount(models.Model):
    food = models.ForeignKey(FoodSource, on_delete=models.CASCADE, related_name="amounts")
    nutrient = models.ForeignKey(Nutrient, on_delete=models.PROTECT, related_name="food_amounts")
    amount_mcg = models.DecimalField("amount per serving (mcg)", max_digits=9, decimal_places=3)
    source = models.CharField(max_length=300, help_text="Where the figure comes from.")

    class Meta:
        ordering = ["nutrient__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["food", "nutrient"], name="food_nutrient_unique"),
            models.CheckConstraint(condition=Q(amount_mcg__gte=0), name="food_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.food} {self.nutrient.short_name}: {self.amount_mcg} mcg"

    @property
    def amount_iu(self) -> int | None:
        if self.nutrient.code != Nutrient.Code.D3:
            return None
        return vitamin_d_iu(self.amount_mcg)


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", "Placed"
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        CANCELLED = "cancelled", "Cancelled"

    # The confirmation page lives at this unguessable id; the integer pk is never shown to shoppers.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The customer account the order belongs to (accounts app): set by a logged-in checkout, or when
    # an account verifies the email a guest order was placed with. Guest orders have none.
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLACED)
    email = models.EmailField()
    full_name = models.CharField(max_length=120)
    phone = models.CharField(max_length=40, blank=True)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code")
    payment_method = models.CharField(max_length=30, default="invoice")
    currency = models.CharField(max_length=3, default="USD")
    # The goods, the shipping as quoted at checkout (shipping.services.shipping_quote) and their sum.
    subtotal = models.DecimalField("goods", max_digits=10, decimal_places=2)
    shipping_cost = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    shipping_days = models.CharField(
        "delivery time", max_length=40, blank=True, help_text="The delivery time promised when the order was placed."
    )
    total = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Order {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("shop:order_confirmation", args=[self.public_id])

    @property
    def number(self) -> str:
        """A short human reference for emails and the admin."""
        return f"VS-{self.pk:06d}" if self.pk else "VS-new"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    # Snapshots: what the shopper bought, even if the product is renamed or repriced later.
    product_name = models.CharField(max_length=160)
    sku = models.CharField(max_length=40)
    unit_price = models.DecimalField(max_digits=8, decimal_places=2)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class ApiToken(TokenProxy):
    """An API token as the admin shows it: by the first characters of its key only, so no admin
    page, message or history entry holds a whole key (a key is as good as its user's password)."""

    KEY_PREFIX_LENGTH = 8

    class Meta:
        proxy = True
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.key_prefix}…"

    @property
    def key_prefix(self) -> str:
        return self.key[: self.KEY_PREFIX_LENGTH]


class CatalogVersion(models.Model):
    """One row whose counter goes up in the same transaction as any change to the catalog made
    through the models (product, price, dose, image, food, stock) or a stock sync; on PostgreSQL a
    checkout advances a lock-free counter instead (shop.services.catalog_version). Cached page
    fragments are keyed on both, so every web process sees a change on its next request, whoever
    made it (a Celery worker's stock sync cannot delete keys from a web process's local-memory cache)."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Catalog version {self.version}"
