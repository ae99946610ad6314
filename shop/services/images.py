"""Product images: validate an upload, store it, and make its renditions once, at upload time.

Pages only ever show the renditions (WebP with a JPEG fallback, in fixed square boxes), so no
request decodes or resizes an image.
"""
from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from shop.models import Product, ProductImage

# Square boxes (pixels); a rendition fits inside its box, keeping the aspect ratio.
RENDITION_SIZES: dict[str, int] = {"mini": 96, "card": 320, "detail": 800}

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
FORMAT_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
# A JPEG with a second embedded picture (many phone cameras) is read by Pillow as MPO.
FORMAT_ALIASES = {"MPO": "JPEG"}

WEBP_QUALITY = 80
JPEG_QUALITY = 85
# Transparent areas become this colour, since JPEG has no alpha and the pages are white.
FLATTEN_BACKGROUND = (255, 255, 255)

NOT_AN_IMAGE_MESSAGE = "This file is not a JPEG, PNG or WebP image."
DAMAGED_IMAGE_MESSAGE = "This image is damaged or incomplete; please export it again and re-upload."


@dataclass(frozen=True)
class ValidatedImage:
    format: str  # "JPEG" | "PNG" | "WEBP"
    width: int
    height: int
    extension: str  # ".jpg" | ".png" | ".webp"


def _file_size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    return size


def _human_size(size: int) -> str:
    # Rounded up, so a file just over the limit never reads as equal to it.
    if size >= 1_048_576:
        return f"{math.ceil(size / 104_857.6) / 10:g} MB"
    return f"{math.ceil(size / 1024)} KB"


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f}" if pixels >= 10_000_000 else f"{pixels / 1_000_000:.1f}"


def _pixel_limit_message(pixels: int | None) -> str:
    limit = _megapixels(settings.SHOP_IMAGE_MAX_PIXELS)
    if pixels is None:
        return f"This image has too many pixels to be processed safely; the limit is {limit} megapixels."
    return f"This image is {_megapixels(pixels)} megapixels; the limit is {limit}."


def validate_image_upload(file: IO[bytes]) -> ValidatedImage:
    """Check that ``file`` is a complete JPEG, PNG or WebP within the size limits.

    Raises ``ValidationError`` with a message meant for the person uploading. The pixel count is
    checked from the header before anything is decoded, so a decompression bomb is never expanded.
    Leaves the file positioned at its start.
    """
    size = _file_size(file)
    if size == 0:
        raise ValidationError("This file is empty.", code="empty")
    max_bytes = settings.SHOP_IMAGE_MAX_BYTES
    if size > max_bytes:
        raise ValidationError(
            f"This file is {_human_size(size)}; the limit is {_human_size(max_bytes)}.",
            code="too_large",
        )

    with warnings.catch_warnings():
        # Pillow only warns about images between its own limit and twice that; make it a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            file.seek(0)
            with Image.open(file, formats=list(ACCEPTED_FORMATS)) as header:
                image_format = FORMAT_ALIASES.get(header.format, header.format)
                width, height = header.size
                if width * height > settings.SHOP_IMAGE_MAX_PIXELS:
                    raise ValidationError(_pixel_limit_message(width * height), code="too_many_pixels")
                header.verify()
            # verify() leaves the image unusable and skips pixel data for some formats; decoding it
            # fully is the only way to catch a truncated file.
            file.seek(0)
            with Image.open(file, formats=list(ACCEPTED_FORMATS)) as decoded:
                decoded.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ValidationError(_pixel_limit_message(None), code="too_many_pixels") from None
        except UnidentifiedImageError:
            raise ValidationError(NOT_AN_IMAGE_MESSAGE, code="not_an_image") from None
        except ValidationError:
            raise
        except Exception as exc:
            # Pillow reports damaged data mostly as OSError or SyntaxError (its historic "broken
            # file"), but a crafted file can trip others (struct.error, zlib.error…); whatever it is,
            # the file cannot be used, and the uploader gets a clear message instead of a 500.
            raise ValidationError(DAMAGED_IMAGE_MESSAGE, code="damaged") from exc
        finally:
            file.seek(0)

    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError(NOT_AN_IMAGE_MESSAGE, code="not_an_image")
    return ValidatedImage(
        format=image_format, width=width, height=height, extension=FORMAT_EXTENSIONS[image_format]
    )


def _stored_names(image: ProductImage) -> list[str]:
    names = [image.image.name] if image.image else []
    for files in (image.renditions or {}).values():
        names.extend(files[kind] for kind in ("webp", "jpeg") if files.get(kind))
    return names


@transaction.atomic
def product_image_create(*, product: Product, file: IO[bytes], alt_text: str = "", position: int = 0) -> ProductImage:
    """Validate, store and render an uploaded product image. Nothing is kept if any step fails."""
    validated = validate_image_upload(file)
    # The stored name is random; only the extension of the detected format is kept (the uploader's
    # name and extension are never trusted). Django also reads the dimensions from this named file.
    upload = File(file, name=f"upload{validated.extension}")
    image = ProductImage(product=product, alt_text=alt_text, position=position)
    try:
        image.image.save(upload.name, upload, save=False)
        image.save()
        product_image_renditions_build(image=image)
    except Exception:
        # The row rolls back with the transaction; the files are not transactional, so remove them.
        for name in _stored_names(image):
            default_storage.delete(name)
        raise
    return image


def _renditions_complete(image: ProductImage) -> bool:
    renditions = image.renditions or {}
    return all(
        size_name in renditions and renditions[size_name].get("webp") and renditions[size_name].get("jpeg")
        for size_name in RENDITION_SIZES
    )


def _as_rgb(picture: Image.Image) -> Image.Image:
    if picture.mode in ("RGBA", "LA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        background = Image.new("RGB", rgba.size, FLATTEN_BACKGROUND)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return picture.convert("RGB")


def _encode(picture: Image.Image, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "WEBP":
        picture.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    else:
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def product_image_renditions_build(*, image: ProductImage, force: bool = False) -> None:
    """Make a WebP and a JPEG for every size in RENDITION_SIZES and record them on ``image``.

    Does nothing if the renditions already exist, unless ``force`` (then the old files are replaced).
    """
    if not force and _renditions_complete(image):
        return
    largest_box = max(RENDITION_SIZES.values())
    with image.image.open("rb") as source, Image.open(source) as original:
        # For JPEG, decode at a reduced scale that is still at least as large as the biggest box.
        original.draft("RGB", (largest_box, largest_box))
        upright = _as_rgb(ImageOps.exif_transpose(original))

    stem = PurePath(image.image.name).stem
    folder = f"products/{image.product_id}/renditions"
    previous = image.renditions or {}
    renditions: dict[str, dict[str, int | str]] = {}
    saved: list[str] = []
    try:
        for size_name, box in sorted(RENDITION_SIZES.items(), key=lambda item: -item[1]):
            # thumbnail() only ever shrinks, so a small original is never upscaled.
            upright.thumbnail((box, box), Image.Resampling.LANCZOS)
            files: dict[str, int | str] = {"width": upright.width, "height": upright.height}
            for kind, image_format, extension in (("webp", "WEBP", ".webp"), ("jpeg", "JPEG", ".jpg")):
                content = ContentFile(_encode(upright, image_format))
                files[kind] = default_storage.save(f"{folder}/{stem}-{size_name}{extension}", content)
                saved.append(files[kind])
            renditions[size_name] = files
        image.renditions = renditions
        image.save(update_fields=["renditions"])
    except Exception:
        # Leave no half-built set of files behind; the previous renditions (if any) stay in place.
        image.renditions = previous
        for name in saved:
            default_storage.delete(name)
        raise
    for files in previous.values():
        for kind in ("webp", "jpeg"):
            if files.get(kind):
                default_storage.delete(files[kind])
