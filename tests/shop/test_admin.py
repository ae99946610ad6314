"""The staff admin: every page opens, only staff get in, order actions keep stock right, and the
product list does not grow queries with the number of products."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image
from rest_framework.authtoken.models import Token

from shop.models import (
    Order,
    Product,
    ProductImage,
    Stock,
)
from shop.services.images import product_image_create
from shop.services.orders import OrderRequestLine, ShippingDetails, order_place
from stock_sync.models import StockSyncRowError, StockSyncRun
from tests.factories import FoodSourceFactory, ProductFactory, SupplierProductFactory, nutrient

pytestmark = pytest.mark.django_db

User = get_user_model()
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
SHIPPING = ShippingDetails(
    email="ada@example.com",
    full_name="Ada Lovelace",
    address_line1="1 Row",
    city="London",
    postal_code="N1",
    country="GB",
)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def png_bytes(size=(400, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def place(product, quantity=1) -> Order:
    return order_place(
        lines=[OrderRequestLine(product.pk, quantity, product.price)],
        shipping=SHIPPING,
    )


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser(username="staff", email="staff@example.com", password="unused-pass-1")
    client.force_login(user)
    return client


@pytest.fixture
def catalog():
    """A row for every shop model with an admin (and auth groups), so their change pages open too."""
    product = ProductFactory(stock=20, doses={"d3": 25, "k2-mk7": 100})
    product_image_create(product=product, file=io.BytesIO(png_bytes()), alt_text="Bottle")
    ProductFactory(stock=1, doses={"k2-mk4": 1500})  # shows in the low-stock view
    FoodSourceFactory(amounts={"d3": 14.2})
    place(product, 2)
    supplier_product = SupplierProductFactory(product=product)
    run = StockSyncRun.objects.create(supplier=supplier_product.supplier, status=StockSyncRun.Status.PARTIAL)
    StockSyncRowError.objects.create(run=run, line=3, sku="NOPE", reason=StockSyncRowError.Reason.UNKNOWN_SKU)
    Group.objects.create(name="Packers")
    Token.objects.create(user=User.objects.create_user("api-client", is_staff=True))
    return product


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_admin_page_opens_for_staff(staff, catalog, model):
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = User.objects.get(username="staff")
    assert staff.get(admin_url(model, "changelist")).status_code == 200
    assert staff.get(admin_url(model, "changelist"), {"q": "test"}).status_code == 200
    if model_admin.has_add_permission(request):
        assert staff.get(admin_url(model, "add")).status_code == 200
    obj = model_admin.get_queryset(request).first()
    if model._meta.app_label in ("shop", "stock_sync"):
        assert obj is not None, "the catalog fixture should give every shop admin a row"
    if obj is not None:
        assert staff.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_admin_index_opens(staff):
    assert staff.get(reverse("admin:index")).status_code == 200


SHOP_MODELS = [model for model in REGISTERED if model._meta.app_label in ("shop", "stock_sync")]


@pytest.mark.parametrize("model", SHOP_MODELS, ids=lambda model: model._meta.label)
def test_anonymous_is_sent_to_admin_login(client, model):
    url = admin_url(model, "changelist")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", SHOP_MODELS, ids=lambda model: model._meta.label)
def test_logged_in_shopper_is_sent_to_admin_login(client, model):
    client.force_login(User.objects.create_user(username="shopper", password="unused-pass-2"))
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- products ---------------------------------------------------------------------------------


def test_product_list_shows_doses_and_availability(staff):
    product = ProductFactory(stock=10, name="Sunny D3 K2", doses={"d3": 25, "k2-mk7": 100})
    place(product, 3)
    content = staff.get(admin_url(Product, "changelist")).content.decode()
    assert "D3 25 mcg (1,000 IU) + MK-7 100 mcg" in content
    assert '<td class="field-available">7</td>' in content


def test_product_list_query_count_does_not_grow_with_products(staff):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(admin_url(Product, "changelist")).status_code == 200
        return len(captured)

    for _ in range(5):
        ProductFactory(doses={"d3": 50, "k2-mk7": 100})
    five = count_queries()
    for _ in range(25):
        ProductFactory(doses={"d3": 50, "k2-mk4": 1500})
    thirty = count_queries()
    assert five == thirty


@pytest.mark.parametrize(
    ("state", "expected"),
    [("in_stock", {"plenty"}), ("low", {"low"}), ("out", {"empty", "no-row"}), ("oversold", {"oversold"})],
)
def test_stock_state_filter(staff, settings, state, expected):
    settings.SHOP_LOW_STOCK_THRESHOLD = 5
    ProductFactory(stock=50, sku="plenty")
    low = ProductFactory(stock=9, sku="low")
    Stock.objects.filter(product=low).update(allocated=5)  # 4 available
    ProductFactory(stock=0, sku="empty")
    no_row = ProductFactory(sku="no-row")
    Stock.objects.filter(product=no_row).delete()
    oversold = ProductFactory(stock=3, sku="oversold")
    Stock.objects.filter(product=oversold).update(allocated=5)

    response = staff.get(admin_url(Product, "changelist"), {"stock_state": state})
    assert {p.sku for p in response.context["cl"].result_list} == expected


def test_product_search_by_sku_and_brand(staff):
    ProductFactory(sku="D3-ONE", brand="Sunbright")
    ProductFactory(sku="K2-TWO", brand="Leafy")
    for term, sku in (("d3-one", "D3-ONE"), ("leafy", "K2-TWO")):
        response = staff.get(admin_url(Product, "changelist"), {"q": term})
        assert [p.sku for p in response.context["cl"].result_list] == [sku]


def _product_form_data(response, **fields) -> dict:
    """The add/change form as the browser would send it: management forms plus given fields."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.forms:
            for name in form.fields:
                value = form[name].value()
                if value not in (None, "") and not hasattr(value, "read") and not hasattr(value, "url"):
                    data[form.add_prefix(name)] = value
    base = {
        "name": "Sunny D3",
        "slug": "sunny-d3",
        "sku": "SUN-D3",
        "brand": "Sunbright",
        "form": "softgel",
        "is_active": "on",
        "price": "9.90",
        "serving_size": "1 softgel",
        "servings_per_container": "90",
        "description": "",
    }
    data.update(base)
    data.update(fields)
    return data


def test_add_product_with_dose_stock_and_image(staff):
    add_url = admin_url(Product, "add")
    data = _product_form_data(staff.get(add_url))
    data.update(
        {
            "nutrient_amounts-0-nutrient": str(nutrient("d3").pk),
            "nutrient_amounts-0-amount_mcg": "25",
            "stock-0-on_hand": "40",
            "images-0-image": SimpleUploadedFile("photo.jpg", png_bytes(), content_type="image/png"),
            "images-0-alt_text": "Bottle",
            "images-0-position": "0",
        }
    )
    response = staff.post(add_url, data)
    assert response.status_code == 302, response.context and response.context["errors"]

    product = Product.objects.get(sku="SUN-D3")
    assert product.stock.on_hand == 40
    assert product.nutrient_amounts.get().amount_mcg == Decimal("25")
    image = product.images.get()
    assert image.image.name.endswith(".png")
    assert set(image.renditions) == {"mini", "card", "detail"}

    change = staff.get(admin_url(Product, "change", product.pk)).content.decode()
    assert image.renditions["mini"]["jpeg"] in change


def test_non_image_upload_is_refused_with_a_clear_error(staff):
    add_url = admin_url(Product, "add")
    data = _product_form_data(staff.get(add_url))
    data.update(
        {
            "images-0-image": SimpleUploadedFile("notes.png", b"not an image at all", content_type="image/png"),
            "images-0-alt_text": "",
            "images-0-position": "0",
        }
    )
    response = staff.post(add_url, data)
    assert response.status_code == 200
    assert "image" in response.content.decode().lower()
    assert response.context["errors"]
    assert not Product.objects.filter(sku="SUN-D3").exists()
    assert ProductImage.objects.count() == 0


def test_editing_on_hand_keeps_allocation(staff):
    product = ProductFactory(stock=10, sku="KEEP", slug="keep", name="Keep", doses={"d3": 25})
    place(product, 4)
    change_url = admin_url(Product, "change", product.pk)
    page = staff.get(change_url)
    data = _product_form_data(page, name="Keep", slug="keep", sku="KEEP", price="12.00")
    amount = product.nutrient_amounts.get()
    data.update(
        {
            "nutrient_amounts-0-nutrient": str(amount.nutrient_id),
            "nutrient_amounts-0-amount_mcg": "25",
            "nutrient_amounts-0-product": str(product.pk),
            "stock-0-on_hand": "15",
            "stock-0-product": str(product.pk),
        }
    )
    response = staff.post(change_url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    stock = Stock.objects.get(product=product)
    assert (stock.on_hand, stock.allocated) == (15, 4)


# --- orders -----------------------------------------------------------------------------------


def run_action(client, action: str, orders) -> list[str]:
    response = client.post(
        admin_url(Order, "changelist"),
        {"action": action, "_selected_action": [order.pk for order in orders]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(message) for message in response.context["messages"]]


def test_order_actions_change_status_and_stock(staff):
    product = ProductFactory(stock=10)
    first, second = place(product, 2), place(product, 3)

    messages = run_action(staff, "mark_paid", [first])
    assert Order.objects.get(pk=first.pk).status == Order.Status.PAID
    assert messages == [f"Marked as paid: {first.number}."]

    run_action(staff, "mark_shipped", [first])
    assert Order.objects.get(pk=first.pk).status == Order.Status.SHIPPED
    stock = Stock.objects.get(product=product)
    assert (stock.on_hand, stock.allocated) == (8, 3)

    run_action(staff, "cancel_orders", [second])
    assert Order.objects.get(pk=second.pk).status == Order.Status.CANCELLED
    stock.refresh_from_db()
    assert (stock.on_hand, stock.allocated) == (8, 0)


def test_order_action_reports_invalid_transitions_per_order(staff):
    product = ProductFactory(stock=10)
    shipped, placed = place(product, 1), place(product, 1)
    run_action(staff, "mark_shipped", [shipped])

    messages = run_action(staff, "cancel_orders", [shipped, placed])

    assert f"Order {shipped.number} is shipped and cannot be cancelled." in messages
    assert f"Cancelled: {placed.number}." in messages
    assert Order.objects.get(pk=shipped.pk).status == Order.Status.SHIPPED
    assert Order.objects.get(pk=placed.pk).status == Order.Status.CANCELLED
    stock = Stock.objects.get(product=product)
    assert (stock.on_hand, stock.allocated) == (9, 0)


def test_orders_cannot_be_added_or_deleted_and_status_is_read_only(staff):
    product = ProductFactory(stock=10)
    order = place(product, 1)
    assert staff.get(admin_url(Order, "add")).status_code == 403
    assert staff.get(admin_url(Order, "delete", order.pk)).status_code == 403
    changelist = staff.get(admin_url(Order, "changelist"))
    actions = [name for name, _ in changelist.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert {"mark_paid", "mark_shipped", "cancel_orders"} <= set(actions)

    change_url = admin_url(Order, "change", order.pk)
    form = staff.get(change_url).context["adminform"].form
    assert "status" not in form.fields
    data = {name: form.initial.get(name, "") for name in form.fields}
    data.update({"status": "shipped", "full_name": "Ada King", "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1"})
    data.update({"lines-MIN_NUM_FORMS": "0", "lines-MAX_NUM_FORMS": "1000", "lines-0-id": order.lines.get().pk})
    data["lines-0-order"] = order.pk
    response = staff.post(change_url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    order.refresh_from_db()
    assert order.full_name == "Ada King"
    assert order.status == Order.Status.PLACED


def test_order_search_by_number_email_and_name(staff):
    product = ProductFactory(stock=10)
    order = place(product, 1)
    for term in (order.number, str(order.pk), "ada@example.com", "Lovelace"):
        response = staff.get(admin_url(Order, "changelist"), {"q": term})
        assert [o.pk for o in response.context["cl"].result_list] == [order.pk], term
