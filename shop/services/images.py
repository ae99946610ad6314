"""Product images: validate an upload, store it, and make its renditions once, at upload time.

Pages only ever show the renditions (WebP with a JPEG fallback, in fixed square boxes), so no
request decodes or resizes an image.

Memory is bounded before and during decoding, because a small file can declare a huge picture
(a 155 KB PNG of 40 megapixels once took a web worker to 756 MB):

- the pixel count is read from the header and checked before anything is decoded
  (SHOP_IMAGE_MAX_PIXELS, 25 megapixels: see the settings);
- a JPEG is decoded at a reduced scale (libjpeg's DCT scaling, ``draft``) no smaller than the
  largest rendition, so a 24-megapixel photo costs a few megabytes instead of 100;
- PNG and WebP cannot be decoded at a reduced scale, so they are decoded once at full size and
  shrunk to the largest rendition at once, before any mode conversion or rotation copies them.

Renditions are made in the request that uploads (not in a Celery task), so the admin answers a
damaged file with a form error right away and a product never shows a picture without renditions;
with the bounds above that costs at most one or two decoded frames of a 25-megapixel picture.
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
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
FORMAT_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
# A JPEG with a second embedded picture (many phone cameras) is read by Pillow as MPO.
FORMAT_ALIASES = {"MPO": "JPEG"}

WEBP_QUALITY = 80
JPEG_QUALITY = 85
# Transparent areas become this colour, since JPEG has no alpha and the pages are white.
FLATTEN_BACKGROUND = (255, 255, 255)

# Pillow decodes a WebP through libwebp's animation decoder, which holds about four full frames at
# once (measured: 384 MB for 25 megapixels, against 100 MB for a PNG), so WebP gets a quarter of
# the pixel limit: the same memory for every format.
DECODED_FRAMES = {"WEBP": 4}

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


def _pixel_limit(image_format: str | None) -> int:
    return settings.SHOP_IMAGE_MAX_PIXELS // DECODED_FRAMES.get(image_format, 1)


def _pixel_limit_message(pixels: int | None, image_format: str | None = None) -> str:
    limit = _megapixels(_pixel_limit(image_format))
    if pixels is None:
        return f"This image has too many pixels to be processed safely; the limit is {limit} megapixels."
    if image_format in DECODED_FRAMES:
        name = FORMAT_NAMES[image_format]
        return (
            f"This {name} image is {_megapixels(pixels)} megapixels; the limit for {name} is {limit} "
            f"(a JPEG or PNG may have up to {_megapixels(_pixel_limit(None))})."
        )
    return f"This image is {_megapixels(pixels)} megapixels; the limit is {limit}."


def _open_within_pixel_limit(file: IO[bytes]) -> Image.Image:
    """Open ``file`` lazily (Pillow reads only the header) and refuse it if it has too many pixels."""
    picture = Image.open(file, formats=list(ACCEPTED_FORMATS))
    pixels = picture.width * picture.height
    if pixels > _pixel_limit(picture.format):
        # Not closed: that would close the caller's file too; nothing was decoded, nothing is held.
        raise ValidationError(_pixel_limit_message(pixels, picture.format), code="too_many_pixels")
    return picture


def _decode_bounded(picture: Image.Image) -> None:
    """Decode ``picture``; a JPEG at the smallest scale still covering the largest rendition box."""
    largest_box = max(RENDITION_SIZES.values())
    picture.draft("RGB", (largest_box, largest_box))  # JPEG only; other formats ignore it
    picture.load()


def _shrunk_to_largest_rendition(picture: Image.Image) -> Image.Image:
    """``picture`` (decoded) fitted into the largest rendition box, while it is still the only copy.

    Rotation (EXIF) and flattening come after this, on the small picture: done on the full frame,
    each of them would allocate another frame of the full size.
    """
    largest_box = max(RENDITION_SIZES.values())
    if picture.mode not in ("RGB", "RGBA", "L", "LA"):
        # Pillow resizes palette and 1-bit pictures with nearest-neighbour only; the info (EXIF) is kept.
        picture = picture.convert("RGBA" if picture.has_transparency_data else "RGB")
    picture.thumbnail((largest_box, largest_box), Image.Resampling.LANCZOS)
    return picture


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
            with _open_within_pixel_limit(file) as header:
                image_format = FORMAT_ALIASES.get(header.format, header.format)
                width, height = header.size
                header.verify()
            # verify() leaves the image unusable and skips pixel data for some formats; decoding it
            # is the only way to catch a truncated file. Decoded as the renditions will be: bounded.
            file.seek(0)
            with _open_within_pixel_limit(file) as decoded:
                _decode_bounded(decoded)
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


def picture_for_renditions(file: IO[bytes]) -> Image.Image:
    """The picture in ``file`` (a validated upload), decoded within bounded memory, fitted into the
    largest rendition box, turned upright (EXIF) and flattened onto white (RGB)."""
    with _open_within_pixel_limit(file) as original:
        _decode_bounded(original)
        return _as_rgb(ImageOps.exif_transpose(_shrunk_to_largest_rendition(original)))


def product_image_renditions_build(*, image: ProductImage, force: bool = False) -> None:
    """Make a WebP and a JPEG for every size in RENDITION_SIZES and record them on ``image``.

    Does nothing if the renditions already exist, unless ``force`` (then the old files are replaced).
    """
    if not force and _renditions_complete(image):
        return
    with image.image.open("rb") as source:
        upright = picture_for_renditions(source)

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
