"""``{% product_picture image "card" %}``: a product image's stored renditions as <picture>.

WebP first with a JPEG fallback, the next size up offered for 2x screens, and fixed width/height
so the page does not jump while images load. With no image, a neutral placeholder drawing.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.core.files.storage import default_storage
from django.templatetags.static import static

from shop.models import ProductImage
from shop.services.images import RENDITION_SIZES

register = template.Library()

PLACEHOLDER_STATIC_PATH = "img/product-placeholder.svg"


def _fit_in_box(width: int, height: int, box: int) -> tuple[int, int]:
    if width <= 0 or height <= 0:
        return box, box
    scale = min(box / width, box / height, 1)
    return max(round(width * scale), 1), max(round(height * scale), 1)


def _srcset(renditions: Mapping[str, Any], size_name: str, kind: str) -> str:
    """The requested size at 1x, plus the next larger rendition at 2x when it is big enough."""
    entries = [f"{default_storage.url(renditions[size_name][kind])} 1x"]
    wanted = RENDITION_SIZES[size_name] * 2
    larger = [name for name, box in RENDITION_SIZES.items() if box >= wanted and name in renditions]
    if larger:
        best = min(larger, key=RENDITION_SIZES.__getitem__)
        entries.append(f"{default_storage.url(renditions[best][kind])} 2x")
    return ", ".join(entries)


@register.inclusion_tag("shop/includes/picture.html")
def product_picture(
    image: ProductImage | None, size: str = "card", alt: str = "", css_class: str = "", loading: str = "lazy"
) -> dict:
    """A <picture> for one rendition size. ``loading="eager"`` for the page's main image, which the
    browser should fetch at once rather than after layout."""
    if size not in RENDITION_SIZES:
        raise template.TemplateSyntaxError(
            f"product_picture size must be one of {', '.join(RENDITION_SIZES)}, not {size!r}"
        )
    box = RENDITION_SIZES[size]
    if loading not in ("lazy", "eager"):
        raise template.TemplateSyntaxError(f"product_picture loading must be 'lazy' or 'eager', not {loading!r}")
    context = {"size": size, "css_class": css_class, "loading": loading}
    if image is None or not image.image:
        return {**context, "placeholder": True, "src": static(PLACEHOLDER_STATIC_PATH), "width": box, "height": box,
                "alt": alt}

    alt_text = image.alt_text or alt or image.product.name
    rendition = (image.renditions or {}).get(size)
    if not rendition:
        # Renditions are made at upload time; an image saved some other way still shows, scaled by the browser.
        width, height = _fit_in_box(image.width, image.height, box)
        return {**context, "placeholder": False, "src": image.image.url, "width": width, "height": height,
                "alt": alt_text}
    return {**context, **_rendition_context(image.renditions, size, alt_text)}


@register.inclusion_tag("shop/includes/picture.html")
def rendition_picture(
    image: Mapping[str, Any] | None, size: str = "card", alt: str = "", css_class: str = "", loading: str = "lazy"
) -> dict:
    """The same <picture> from plain data, ``{"renditions": {...}, "alt": "..."}`` (a product image as
    the advisor's presenter gives it, cacheable without model instances). No rendition of that size:
    the placeholder drawing."""
    if size not in RENDITION_SIZES:
        raise template.TemplateSyntaxError(
            f"rendition_picture size must be one of {', '.join(RENDITION_SIZES)}, not {size!r}"
        )
    box = RENDITION_SIZES[size]
    context = {"size": size, "css_class": css_class, "loading": loading}
    renditions = (image or {}).get("renditions") or {}
    if size not in renditions:
        return {**context, "placeholder": True, "src": static(PLACEHOLDER_STATIC_PATH), "width": box, "height": box,
                "alt": alt}
    return {**context, **_rendition_context(renditions, size, (image or {}).get("alt") or alt)}


def _rendition_context(renditions: Mapping[str, Any], size: str, alt: str) -> dict:
    rendition = renditions[size]
    return {
        "placeholder": False,
        "webp_srcset": _srcset(renditions, size, "webp"),
        "jpeg_srcset": _srcset(renditions, size, "jpeg"),
        "src": default_storage.url(rendition["jpeg"]),
        "width": rendition["width"],
        "height": rendition["height"],
        "alt": alt,
    }
