"""Storefront pages. Views parse the request, call selectors/services and render; the rules live
in shop.selectors, shop.cart and shop.services.orders."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.services import address_remember, checkout_initial
from config.ratelimit import rate_limited
from shipping.countries import SHIPPING_COUNTRIES, country_name

from .cart import Cart, in_cart_note_html
from .catalog_cache import (
    CART_SUMMARY_SLOT,
    CSRF_TOKEN_SLOT,
    catalog_cached,
    catalog_cached_for_query,
    catalog_version,
    in_cart_slot,
    render_fragment,
    shared_page,
    with_visitor_slots,
)
from .catalog_queries import (
    PRODUCT_LIST_PARAMETERS,
    Parameter,
    band_bound_text,
    canonical_link_query,
    canonical_pairs,
    product_list_query,
)
from .checkout_summary import order_summary, shipping_country_choice
from .forms import AddToCartForm, CartUpdateForm, CheckoutForm, ProductFilterForm
from .models import IU_PER_MCG_VITAMIN_D, Nutrient, Order, Product, ProductImage
from .nutrient_content import NUTRIENT_CONTENT, NUTRIENT_PAGES, NutrientPage
from .payments import get_payment_provider
from .search import search_with_fewer_words
from .selectors import (
    FOOD_COLUMNS,
    PRODUCT_SORTS,
    SEARCH_SORT,
    RangeBand,
    food_table,
    foods_by_nutrient,
    foods_for_nutrients,
    product_facets,
    product_get_for_page,
    product_list,
    products_featured,
    products_in_stock_with_nutrient,
    products_pairing_with,
)
from .seo import breadcrumb_list, json_ld_script, product_image_url, product_structured_data
from .services.orders import (
    EmptyOrder,
    InsufficientStock,
    OrderRequestLine,
    PriceChanged,
    ProductUnavailable,
    ShippingCostChanged,
    ShippingDetails,
    ShippingNotAvailable,
    order_place,
)
from .supplement_facts import FactsRow, daily_value, supplement_facts


def _page_context(**context) -> dict:
    """What every storefront template expects besides its own data."""
    return {"low_stock_threshold": settings.SHOP_LOW_STOCK_THRESHOLD, **context}


@shared_page()
def home(request: HttpRequest) -> HttpResponse:
    content = catalog_cached(
        catalog_version(), "home",
        build=lambda: render_fragment("shop/fragments/home.html", {"featured": products_featured()}),
    )
    return render(request, "shop/home.html", {"content": content})


# --- Product list ---------------------------------------------------------------------------------


def _query_without(query: QueryDict, *names: str, **overrides: str) -> str:
    """The current query string minus some keys (and with some set), for links that keep filters."""
    params = [(key, value) for key, values in query.lists() if key not in names and key not in overrides
              for value in values if value != ""]
    params += [(key, value) for key, value in overrides.items() if value != ""]
    return urlencode(params)


@dataclass(frozen=True)
class BandLink:
    label: str
    count: int
    url_query: str
    active: bool


def _band_links(query: QueryDict, bands: list[tuple[RangeBand, int]], low_name: str, high_name: str) -> list[BandLink]:
    links = []
    for band, count in bands:
        low, high = band_bound_text(band.low), band_bound_text(band.high)
        active = query.get(low_name, "") == low and query.get(high_name, "") == high
        links.append(BandLink(band.label, count, _query_without(query, "page", **{low_name: low, high_name: high}),
                              active))
    return links


def _paginate(query: QueryDict, items, notes: list[str]) -> Page:
    paginator = Paginator(items, settings.SHOP_PRODUCTS_PER_PAGE)
    raw = query.get("page", "1")
    try:
        number = int(raw)
    except ValueError:
        notes.append(f"Ignored page “{raw[:20]}”: not a page number. Showing the first page.")
        number = 1
    if number < 1:
        notes.append(f"There is no page {number}. Showing the first page.")
        number = 1
    elif number > paginator.num_pages:
        notes.append(f"There is no page {number}; the last page is {paginator.num_pages}.")
        number = paginator.num_pages
    return paginator.page(number)


@shared_page(query=product_list_query)
def product_list_view(request: HttpRequest) -> HttpResponse:
    # The whole list (grid, facets, pagination) depends only on the query string and the catalog.
    # Only canonical queries from a small fixed set are cached; any other query (a search, a typed
    # price, an unknown parameter) is rendered fresh.
    content = catalog_cached_for_query("product-list", request.GET, product_list_query, _product_list_content)
    # Searches and sort orders show the same products again: the canonical link names the filters only.
    canonical_query = canonical_link_query(request.GET, PRODUCT_LIST_PARAMETERS, dropped=("q", "sort"))
    return render(request, "shop/product_list.html", {"content": content, "canonical_query": canonical_query})


def _product_list_content(query: QueryDict) -> SafeString:
    form = ProductFilterForm(query)
    form.is_valid()
    notes = form.ignored_notes()
    filters = form.to_filters()
    page = _paginate(query, product_list(filters=filters), notes)
    facets = product_facets(filters=filters)
    # Nothing found for words the catalog knows: the same search with one word fewer.
    fewer_words = (
        search_with_fewer_words(filters.search.terms) if filters.search and not page.paginator.count else []
    )
    return render_fragment(
        "shop/fragments/product_list.html",
        _page_context(
            query=query,
            form=form,
            filters=filters,
            notes=notes,
            page=page,
            products=page.object_list,
            facets=facets,
            fewer_words=fewer_words,
            # "Best match" only means something for a search.
            sorts=[(key, option.label) for key, option in PRODUCT_SORTS.items() if key != SEARCH_SORT or filters.q],
            # The same filters without the search (and without its best-match order).
            clear_search_query=_query_without(
                query, "q", "page", sort="" if filters.sort == SEARCH_SORT else filters.sort
            ),
            price_links=_band_links(query, facets.prices, "price_min", "price_max"),
            d3_links=_band_links(query, facets.d3_doses, "d3_min", "d3_max"),
            k2_links=_band_links(query, facets.k2_doses, "k2_min", "k2_max"),
            page_query=_query_without(query, "page"),
            active_filter_count=sum(
                1 for key, values in query.lists() if key not in ("sort", "page") for value in values if value
            ),
        ),
    )


# --- Product page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GalleryImage:
    image: ProductImage
    full_url: str


def _gallery(product: Product) -> list[GalleryImage]:
    """Each image with the URL of its large rendition, which its thumbnail links to (no JS needed)."""
    gallery = []
    for image in product.images.all():
        detail = (image.renditions or {}).get("detail") or {}
        url = default_storage.url(detail["jpeg"]) if detail.get("jpeg") else image.image.url
        gallery.append(GalleryImage(image, url))
    return gallery


@dataclass(frozen=True)
class NutrientFoods:
    nutrient: Nutrient
    foods: list


@dataclass(frozen=True)
class ProductPage:
    """A product page's shared, cacheable parts: its HTML around the add-to-cart box, and the few
    facts the per-request parts (title, add-to-cart form) need."""

    product_id: int
    name: str
    brand: str
    form_label: str
    servings_per_container: int
    available_quantity: int
    image_url: str  # absolute, for link previews (og:image)
    structured_data: SafeString  # schema.org Product and BreadcrumbList (JSON-LD)
    before_buy_box: SafeString
    after_buy_box: SafeString


BUY_BOX_SLOT = "<!-- add-to-cart box -->"


def _product_page(slug: str) -> ProductPage | None:
    try:
        product = product_get_for_page(slug=slug)
    except Product.DoesNotExist:
        return None
    amounts = product.nutrient_amounts.all()
    foods = foods_by_nutrient(codes=[amount.nutrient.code for amount in amounts], limit=5)
    food_groups = [NutrientFoods(amount.nutrient, foods[amount.nutrient.code]) for amount in amounts]
    gallery = _gallery(product)
    image_url = product_image_url(gallery[0].full_url if gallery else None)
    html = render_fragment(
        "shop/fragments/product_page.html",
        _page_context(
            product=product,
            gallery=gallery,
            facts=supplement_facts(amounts),
            food_groups=food_groups,
            pairs=products_pairing_with(product=product),
            buy_box_slot=mark_safe(BUY_BOX_SLOT),  # noqa: S308 - a constant
        ),
    )
    before, after = html.split(BUY_BOX_SLOT)
    return ProductPage(
        product_id=product.pk,
        name=product.name,
        brand=product.brand,
        form_label=product.get_form_display(),
        servings_per_container=product.servings_per_container,
        available_quantity=product.available_quantity,
        image_url=image_url,
        structured_data=product_structured_data(product, image_url=image_url),
        before_buy_box=mark_safe(before),  # noqa: S308 - halves of rendered template output
        after_buy_box=mark_safe(after),  # noqa: S308
    )


@shared_page()
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    version = catalog_version()
    if not request.COOKIES:
        return _product_detail_first_visit(request, version, slug)
    page = catalog_cached(version, "product-page", slug, build=lambda: _product_page(slug))
    if page is None:
        raise Http404("No such product")
    context = {
        **_product_detail_context(page),
        "in_cart_note": in_cart_note_html(Cart(request.session).quantity_of(page.product_id)),
    }
    return render(request, "shop/product_detail.html", context)


def _product_detail_context(page: ProductPage) -> dict:
    """What the full render and the shared render of a product page have in common."""
    return _page_context(
        page=page,
        og_type="product",
        og_image=page.image_url,
        og_image_alt=page.name,
        structured_data=page.structured_data,
        max_quantity=_max_quantity(page),
    )


def _max_quantity(page: ProductPage) -> int:
    return min(settings.SHOP_MAX_QUANTITY_PER_LINE, max(page.available_quantity, 1))


def _product_detail_first_visit(request: HttpRequest, version: str, slug: str) -> HttpResponse:
    """The page for a visitor who sends no cookie (no cart, no messages, no login), also the one
    shared with shoppers who have only a cart (shop.middleware): the same HTML for every such
    visitor but for the CSRF token and the cart's counts, so it is rendered with slots for them,
    which the shop's middleware fills with each visitor's own (and sets the CSRF cookie), exactly
    as the full render would."""
    def build() -> str | None:
        page = catalog_cached(version, "product-page", slug, build=lambda: _product_page(slug))
        if page is None:
            return None
        context = {
            **_product_detail_context(page),
            "csrf_token": CSRF_TOKEN_SLOT,
            "cart_badge": CART_SUMMARY_SLOT,
            "in_cart_note": in_cart_slot(page.product_id),
        }
        return render_to_string("shop/product_detail.html", context, request=request)

    html = catalog_cached(version, "product-page-first-visit", slug, build=build)
    if html is None:
        raise Http404("No such product")
    response = with_visitor_slots(HttpResponse(html))
    # What the full render's session access adds: the page differs for visitors with cookies.
    patch_vary_headers(response, ("Cookie",))
    return response


# --- Foods and nutrients ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FoodCell:
    amount_mcg: Decimal | None
    amount_iu: int | None
    source_number: int | None


FOOD_SORT_LABELS = {"name": "Food", "d3": "Vitamin D3", "mk4": "K2 MK-4", "mk7": "K2 MK-7", "k1": "K1"}


FOOD_LIST_PARAMETERS = {
    "nutrient": Parameter(tuple(FOOD_COLUMNS)),
    "sort": Parameter(tuple(f"{direction}{key}" for key in FOOD_SORT_LABELS for direction in ("", "-"))),
}


def food_list_query(query: QueryDict) -> str | None:
    pairs = canonical_pairs(query, FOOD_LIST_PARAMETERS)
    return None if pairs is None else urlencode(pairs)


@shared_page(query=food_list_query)
def food_list(request: HttpRequest) -> HttpResponse:
    content = catalog_cached_for_query("foods", request.GET, food_list_query, _food_list_content)
    canonical_query = canonical_link_query(request.GET, FOOD_LIST_PARAMETERS, dropped=("sort",))
    return render(request, "shop/food_list.html", {"content": content, "canonical_query": canonical_query})


def _food_list_content(query: QueryDict) -> SafeString:
    notes = []
    sort = query.get("sort", "name")
    if sort.removeprefix("-") not in FOOD_SORT_LABELS:
        notes.append(f"Ignored sort “{sort[:30]}”: not a column. Sorted by food name.")
        sort = "name"
    nutrient = query.get("nutrient", "")
    if nutrient and nutrient not in FOOD_COLUMNS:
        notes.append(f"Ignored nutrient “{nutrient[:30]}”: not one of the columns. Showing every food.")
        nutrient = ""
    rows = food_table(sort=sort, nutrient=nutrient or None)

    # Number each distinct source once, in order of first use, for the footnotes under the table.
    sources: dict[str, int] = {}
    table = []
    for row in rows:
        cells = []
        for key in FOOD_COLUMNS:
            amount = row.amounts.get(key)
            if amount is None:
                cells.append(FoodCell(None, None, None))
                continue
            number = sources.setdefault(amount.source, len(sources) + 1)
            cells.append(FoodCell(amount.amount_mcg, amount.amount_iu, number))
        table.append((row.food, cells))

    headers = []
    for key, label in FOOD_SORT_LABELS.items():
        # Names sort A–Z first, amounts richest first; clicking the sorted column flips it.
        first, flipped = (key, f"-{key}") if key == "name" else (f"-{key}", key)
        direction = ""
        if sort in (key, f"-{key}"):
            direction = "descending" if sort.startswith("-") else "ascending"
        headers.append({
            "key": key,
            "label": label,
            "query": _query_without(query, sort=flipped if sort == first else first),
            "direction": direction,
        })
    return render_fragment(
        "shop/fragments/food_list.html",
        _page_context(
            table=table,
            sources=list(sources),
            headers=headers,
            sort=sort,
            nutrient=nutrient,
            nutrient_choices=[
                (key, label) for key, label in FOOD_SORT_LABELS.items() if key in FOOD_COLUMNS
            ],
            notes=notes,
            iu_per_mcg=IU_PER_MCG_VITAMIN_D,
        ),
    )


@shared_page()
def nutrient_detail(request: HttpRequest, code: str) -> HttpResponse:
    page = NUTRIENT_PAGES.get(code)
    if page is None:
        raise Http404("No such nutrient")
    content = catalog_cached(
        catalog_version(), "nutrient", code, NUTRIENT_CONTENT.version,
        build=lambda: _nutrient_content(page, code),
    )
    crumbs = [("Home", reverse("shop:home")), (page.title, reverse("shop:nutrient_detail", args=[code]))]
    structured_data = json_ld_script(breadcrumb_list(crumbs))
    return render(
        request, "shop/nutrient_detail.html", {"page": page, "content": content, "structured_data": structured_data}
    )


@dataclass(frozen=True)
class ProductFacts:
    product: Product
    facts: FactsRow


def _nutrient_content(page: NutrientPage, code: str) -> SafeString:
    products = products_in_stock_with_nutrient(code=code) if page.sold else []
    facts_rows = [
        ProductFacts(product, row)
        for product in products
        for row in supplement_facts(product.nutrient_amounts.all())
        if row.code == code
    ]
    return render_fragment(
        "shop/fragments/nutrient_detail.html",
        _page_context(
            page=page,
            products=products,
            facts_rows=facts_rows,
            daily_value=daily_value(code),
            foods=foods_for_nutrients(codes=[code])[:10],
            code=code,
        ),
    )


# --- Cart -------------------------------------------------------------------------------------------


def _cart_lines(request: HttpRequest, cart: Cart) -> list:
    """The cart's lines, telling the shopper about any that were dropped because the product went away."""
    lines = list(cart.lines())
    if cart.dropped_count:
        messages.warning(
            request,
            f"{cart.dropped_count} item{'s' if cart.dropped_count > 1 else ''} in your cart can no longer be "
            f"ordered and {'were' if cart.dropped_count > 1 else 'was'} removed.",
        )
    return lines


def _customer(request: HttpRequest) -> AbstractBaseUser | None:
    return request.user if request.user.is_authenticated else None


def cart_view(request: HttpRequest) -> HttpResponse:
    cart = Cart(request.session)
    lines = _cart_lines(request, cart)
    summary = order_summary(lines, shipping_country_choice(request.GET.get("country"), _customer(request)))
    return render(
        request,
        "shop/cart.html",
        _page_context(
            lines=lines,
            summary=summary,
            countries=SHIPPING_COUNTRIES,
            any_price_changed=any(line.price_changed for line in lines),
            any_exceeds=any(line.exceeds_available for line in lines),
            max_quantity=settings.SHOP_MAX_QUANTITY_PER_LINE,
        ),
    )


def _form_error_text(form) -> str:
    return " ".join(error for errors in form.errors.values() for error in errors)


@require_POST
@rate_limited("cart")
def cart_add(request: HttpRequest) -> HttpResponse:
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Could not add to your cart: {_form_error_text(form)}")
        product = Product.objects.active().filter(pk=form.cleaned_data.get("product_id")).first()
        return redirect(product or "shop:product_list")
    product = Product.objects.active().with_available().filter(pk=form.cleaned_data["product_id"]).first()
    if product is None:
        messages.error(request, "That product is not available any more.")
        return redirect("shop:product_list")
    cart = Cart(request.session)
    already = cart.quantity_of(product.pk)
    wanted = form.cleaned_data["quantity"]
    new_quantity = cart.add(product, wanted)
    if new_quantity == 0 and product.available_quantity > 0:
        messages.error(request, f"Your cart holds {settings.SHOP_MAX_CART_LINES} different products, the most it can. "
                                f"Check out or remove one first.")
        return redirect(product)
    if new_quantity <= already:
        if product.available_quantity == 0:
            messages.error(request, f"Sorry, {product.name} is out of stock.")
        else:
            messages.warning(request, f"Only {product.available_quantity} left of {product.name}, "
                                      f"and they are all in your cart already.")
        return redirect(product)
    if new_quantity < already + wanted:
        messages.warning(request, f"Only {product.available_quantity} left of {product.name}: "
                                  f"your cart now holds {new_quantity}.")
    else:
        messages.success(request, f"Added {product.name} to your cart ({new_quantity} in cart).")
    return redirect("shop:cart")


@require_POST
@rate_limited("cart")
def cart_update(request: HttpRequest) -> HttpResponse:
    form = CartUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Could not update your cart: {_form_error_text(form)}")
        return redirect("shop:cart")
    cart = Cart(request.session)
    product_id = form.cleaned_data["product_id"]
    line = next((line for line in cart.lines() if line.product.pk == product_id), None)
    if line is None:
        cart.remove(product_id)
        messages.error(request, "That item is not in your cart any more.")
        return redirect("shop:cart")
    quantity = form.cleaned_data["quantity"]
    if quantity == 0:
        cart.remove(product_id)
        messages.success(request, f"Removed {line.product.name} from your cart.")
        return redirect("shop:cart")
    new_quantity = cart.set_quantity(line.product, quantity)
    if new_quantity == 0:
        messages.error(request, f"Sorry, {line.product.name} is out of stock, so it was removed from your cart.")
    elif new_quantity < quantity:
        messages.warning(request, f"Only {line.available} left of {line.product.name}: "
                                  f"your cart now holds {new_quantity}.")
    else:
        messages.success(request, f"Updated {line.product.name}: {quantity} in cart.")
    return redirect("shop:cart")


# --- Checkout ---------------------------------------------------------------------------------------


def _shown_shipping_cost(data: QueryDict) -> Decimal | None:
    """The shipping cost the checkout page showed when the shopper pressed "Place order"."""
    try:
        shown = Decimal(data.get("shown_shipping_cost", ""))
    except ArithmeticError:
        return None
    # A tampered value ("NaN", "sNaN", "Infinity") counts as none shown; sNaN would raise when compared.
    return shown if shown.is_finite() else None


@rate_limited("checkout")
def checkout(request: HttpRequest) -> HttpResponse:
    cart = Cart(request.session)
    lines = _cart_lines(request, cart)
    if not lines:
        messages.info(request, "Your cart is empty. Add a product before checking out.")
        return redirect("shop:cart")
    provider = get_payment_provider()
    problems: dict[str, list] = {"price_changes": [], "shortages": [], "removed": []}
    shipping_changed = None
    customer = _customer(request)
    placing = request.method == "POST" and "update_shipping" not in request.POST
    if placing:
        form = CheckoutForm(request.POST)
    elif request.method == "POST":
        # "Update shipping" (the no-JavaScript way to see another country's total): keep what was
        # typed, without marking the fields not filled in yet as errors.
        form = CheckoutForm(initial=request.POST.dict())
    else:
        # A logged-in customer's form starts from the address their last checkout kept. The country
        # is the one the cart quoted shipping for, so the summary and the field agree from the start.
        initial = checkout_initial(customer) if customer else {}
        initial["country"] = shipping_country_choice(request.GET.get("country"), customer)
        form = CheckoutForm(initial=initial)
    if placing and form.is_valid():
        request_lines = [
            OrderRequestLine(product_id=line.product.pk, quantity=line.quantity, expected_unit_price=line.added_price)
            for line in lines
        ]
        try:
            order = order_place(
                lines=request_lines,
                shipping=ShippingDetails(**form.cleaned_data),
                payment=provider,
                customer=customer,
                expected_shipping_cost=_shown_shipping_cost(request.POST),
            )
        except PriceChanged as error:
            # The shopper now sees the new prices; confirming again orders at them.
            cart.accept_current_prices()
            problems["price_changes"] = error.changes
        except InsufficientStock as error:
            problems["shortages"] = error.shortages
        except ProductUnavailable as error:
            names = {line.product.pk: line.product.name for line in lines}
            for product_id in error.product_ids:
                cart.remove(product_id)
            problems["removed"] = [names.get(product_id, "An item") for product_id in error.product_ids]
            if not len(cart):
                messages.error(request, f"{', '.join(problems['removed'])} can no longer be ordered, "
                                        f"so your cart is empty now.")
                return redirect("shop:cart")
        except ShippingNotAvailable as error:
            form.add_error("country", str(error))
        except ShippingCostChanged as error:
            shipping_changed = error
        except ValidationError as error:
            form.add_error(None, error.messages)
        except EmptyOrder:
            messages.info(request, "Your cart is empty. Add a product before checking out.")
            return redirect("shop:cart")
        else:
            if customer:
                address_remember(customer=customer, order=order)
            cart.clear()
            messages.success(request, f"Thank you! Your order {order.number} is placed.")
            return redirect(order)
        lines = list(cart.lines())
    country = form["country"].value() or ""
    return render(
        request,
        "shop/checkout.html",
        _page_context(
            form=form,
            lines=lines,
            summary=order_summary(lines, shipping_country_choice(country, customer)),
            provider=provider,
            any_price_changed=any(line.price_changed for line in lines),
            shipping_changed=shipping_changed,
            **problems,
        ),
    )


def checkout_summary(request: HttpRequest) -> HttpResponse:
    """The checkout's order summary for another country, for checkout.js to swap in when the
    country changes (without JavaScript, the "Update shipping" button reloads the page)."""
    lines = list(Cart(request.session).lines())
    summary = order_summary(lines, shipping_country_choice(request.GET.get("country"), _customer(request)))
    return render(
        request, "shop/includes/checkout_summary.html", _page_context(lines=lines, summary=summary)
    )


@never_cache
def order_confirmation(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The order's page holds the shopper's name, address and email: never stored by a browser or
    proxy cache (never_cache: private, no-store) and never indexed."""
    order = get_object_or_404(Order.objects.prefetch_related("lines"), public_id=public_id)
    provider = get_payment_provider()
    response = render(
        request,
        "shop/order_confirmation.html",
        _page_context(
            order=order,
            country_name=country_name(order.country),
            payment_label=provider.label,
            instructions=provider.instructions(order),
        ),
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
