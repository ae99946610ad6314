"""Product image uploads: validation (formats, limits, bombs, damage), renditions, and the template tag."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template, TemplateSyntaxError
from PIL import Image

from shop.models import ProductImage
from shop.services import images as image_service
from shop.services.images import (
    RENDITION_SIZES,
    product_image_create,
    product_image_renditions_build,
    validate_image_upload,
)
from tests.factories import ProductFactory


def encode(picture: Image.Image, image_format: str, **params) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, image_format, **params)
    return buffer.getvalue()


def photo(size: tuple[int, int] = (1200, 600)) -> Image.Image:
    """A noisy RGB picture, so encoders produce real pixel data (a flat colour compresses to nothing)."""
    return Image.effect_noise(size, 60).convert("RGB")


def upload(data: bytes, name: str, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def media_files(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    # 10,000 x 10,000 one-bit pixels: 100 megapixels in a file of a few kilobytes.
    return encode(Image.new("1", (10_000, 10_000)), "PNG", optimize=True)


# --- Validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image_format", "extension"), [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp")]
)
def test_real_jpeg_png_and_webp_are_accepted(image_format, extension):
    data = encode(photo((640, 480)), image_format)

    validated = validate_image_upload(upload(data, f"picture{extension}"))

    assert (validated.format, validated.width, validated.height, validated.extension) == (
        image_format,
        640,
        480,
        extension,
    )


def test_a_png_with_transparency_is_accepted():
    data = encode(Image.new("RGBA", (50, 40), (255, 0, 0, 0)), "PNG")

    assert validate_image_upload(upload(data, "clear.png")).format == "PNG"


@pytest.mark.django_db
def test_a_decompression_bomb_is_rejected_clearly_and_nothing_is_saved(bomb_png, settings):
    product = ProductFactory()
    assert len(bomb_png) < 100_000  # tiny on disk, huge in memory: that is the attack

    with pytest.raises(ValidationError) as caught:
        product_image_create(product=product, file=upload(bomb_png, "bomb.png"))

    assert caught.value.code == "too_many_pixels"
    assert "megapixels" in caught.value.messages[0]
    assert "limit is 25" in caught.value.messages[0]
    assert ProductImage.objects.count() == 0
    assert media_files(settings) == []


def test_an_image_over_the_pixel_limit_is_rejected_with_its_size():
    # 48 megapixels is below Pillow's own bomb threshold, so the shop's limit is what stops it.
    data = encode(Image.new("1", (8_000, 6_000)), "PNG", optimize=True)

    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload(data, "big.png"))

    assert caught.value.messages == ["This image is 48 megapixels; the limit is 25."]


def test_the_pixel_limit_is_checked_before_decoding(monkeypatch):
    data = encode(Image.new("1", (8_000, 6_000)), "PNG", optimize=True)
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self) or None)

    with pytest.raises(ValidationError):
        validate_image_upload(upload(data, "big.png"))

    assert decoded == []


def test_a_text_file_renamed_to_jpg_is_rejected():
    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload(b"Just some notes, not a picture.\n" * 20, "photo.jpg", "image/jpeg"))

    assert caught.value.messages == ["This file is not a JPEG, PNG or WebP image."]


def test_an_svg_is_rejected():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'

    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload(svg, "logo.svg", "image/svg+xml"))

    assert caught.value.messages == ["This file is not a JPEG, PNG or WebP image."]


def test_a_gif_is_rejected():
    gif = encode(Image.new("P", (20, 20)), "GIF")

    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload(gif, "animation.gif", "image/gif"))

    assert caught.value.code == "not_an_image"


def test_a_truncated_jpeg_is_rejected():
    data = encode(photo((800, 800)), "JPEG", quality=90)

    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload(data[: len(data) // 2], "cut.jpg"))

    assert caught.value.code == "damaged"
    assert "damaged or incomplete" in caught.value.messages[0]


def test_an_empty_file_is_rejected():
    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload(b"", "empty.png"))

    assert caught.value.messages == ["This file is empty."]


def test_a_file_over_the_byte_limit_is_rejected(settings):
    settings.SHOP_IMAGE_MAX_BYTES = 2048
    data = encode(photo((200, 200)), "PNG")
    assert len(data) > 2048

    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload(data, "heavy.png"))

    assert caught.value.code == "too_large"
    assert caught.value.messages[0].endswith("the limit is 2 KB.")


def test_the_byte_limit_message_names_megabytes():
    data = b"x" * (20 * 1024 * 1024 + 1)

    with pytest.raises(ValidationError) as caught:
        validate_image_upload(upload(data, "huge.jpg"))

    assert caught.value.messages == ["This file is 20.1 MB; the limit is 20 MB."]


# --- Storing and renditions ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_stored_file_gets_the_extension_of_the_detected_format():
    product = ProductFactory()
    png_named_jpg = encode(photo((300, 200)), "PNG")

    image = product_image_create(product=product, file=upload(png_named_jpg, "holiday.JPG"), alt_text="A bottle")

    assert image.image.name.startswith(f"products/{product.pk}/")
    assert image.image.name.endswith(".png")
    assert "holiday" not in image.image.name
    assert (image.width, image.height, image.alt_text) == (300, 200, "A bottle")


@pytest.mark.django_db
def test_renditions_exist_in_webp_and_jpeg_at_the_right_sizes():
    image = product_image_create(product=ProductFactory(), file=upload(encode(photo(), "JPEG"), "wide.jpg"))

    expected = {"mini": (96, 48), "card": (320, 160), "detail": (800, 400)}
    assert set(image.renditions) == set(RENDITION_SIZES)
    for size_name, (width, height) in expected.items():
        files = image.renditions[size_name]
        assert (files["width"], files["height"]) == (width, height)
        assert files["webp"].startswith(f"products/{image.product_id}/renditions/")
        for kind, image_format in (("webp", "WEBP"), ("jpeg", "JPEG")):
            with default_storage.open(files[kind]) as stored, Image.open(stored) as rendition:
                assert (rendition.format, rendition.size) == (image_format, (width, height))
    image.refresh_from_db()
    assert image.renditions["card"]["width"] == 320


@pytest.mark.django_db
def test_a_small_original_is_never_upscaled():
    image = product_image_create(product=ProductFactory(), file=upload(encode(photo((200, 100)), "PNG"), "s.png"))

    sizes = {name: (files["width"], files["height"]) for name, files in image.renditions.items()}
    assert sizes == {"mini": (96, 48), "card": (200, 100), "detail": (200, 100)}


@pytest.mark.django_db
def test_transparent_areas_become_white_in_the_renditions():
    data = encode(Image.new("RGBA", (100, 100), (255, 0, 0, 0)), "PNG")

    image = product_image_create(product=ProductFactory(), file=upload(data, "clear.png"))

    with default_storage.open(image.renditions["card"]["jpeg"]) as stored, Image.open(stored) as rendition:
        assert all(channel > 245 for channel in rendition.convert("RGB").getpixel((50, 50)))


@pytest.mark.django_db
def test_renditions_are_built_once_and_only_rebuilt_when_forced(settings):
    image = product_image_create(product=ProductFactory(), file=upload(encode(photo(), "JPEG"), "a.jpg"))
    first = dict(image.renditions)
    files_before = sorted(media_files(settings))

    product_image_renditions_build(image=image)

    assert image.renditions == first
    assert sorted(media_files(settings)) == files_before

    product_image_renditions_build(image=image, force=True)

    assert image.renditions["card"]["webp"] != first["card"]["webp"]
    assert len(media_files(settings)) == len(files_before)  # old renditions removed, not left behind
    assert not default_storage.exists(first["card"]["webp"])


@pytest.mark.django_db
def test_exif_orientation_is_honoured():
    # A landscape picture, red on the left third, stored with "rotate 90° clockwise to display".
    picture = Image.new("RGB", (300, 100), (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, 100, 100))
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(picture, "JPEG", exif=exif.tobytes(), quality=95)

    image = product_image_create(product=ProductFactory(), file=upload(data, "phone.jpg"))

    detail = image.renditions["detail"]
    assert (detail["width"], detail["height"]) == (100, 300)
    with default_storage.open(detail["jpeg"]) as stored, Image.open(stored) as rendition:
        red, _, blue = rendition.getpixel((50, 20))  # the left third is now on top
        assert red > 200 and blue < 60
        red, _, blue = rendition.getpixel((50, 280))
        assert blue > 200 and red < 60


@pytest.mark.django_db
def test_a_failed_rendition_keeps_no_row_and_no_file(monkeypatch, settings):
    real_encode = image_service._encode
    calls = []

    def encoder_failing_on_the_fourth_file(picture, image_format):
        calls.append(image_format)
        if len(calls) == 4:
            raise OSError("disk full")
        return real_encode(picture, image_format)

    monkeypatch.setattr(image_service, "_encode", encoder_failing_on_the_fourth_file)

    with pytest.raises(OSError):
        product_image_create(product=ProductFactory(), file=upload(encode(photo(), "JPEG"), "a.jpg"))

    assert len(calls) == 4
    assert ProductImage.objects.count() == 0
    assert media_files(settings) == []


# --- Template tag -------------------------------------------------------------------------------


def render(template_text: str, **context) -> str:
    return Template("{% load shop_images %}" + template_text).render(Context(context))


@pytest.mark.django_db
def test_product_picture_renders_webp_source_and_jpeg_img():
    product = ProductFactory(name="Sunny D3")
    image = product_image_create(product=product, file=upload(encode(photo(), "JPEG"), "a.jpg"), alt_text="")

    html = render('{% product_picture image "card" %}', image=image)

    card, detail = image.renditions["card"], image.renditions["detail"]
    assert html.startswith('<picture class="product-picture product-picture-card">')
    assert (
        f'<source type="image/webp" srcset="{default_storage.url(card["webp"])} 1x, '
        f'{default_storage.url(detail["webp"])} 2x">'
    ) in html
    assert f'<img src="{default_storage.url(card["jpeg"])}"' in html
    assert 'width="320" height="160"' in html
    assert 'alt="Sunny D3"' in html  # falls back to the product name when the image has no alt text
    assert 'loading="lazy"' in html
    assert html.rstrip().endswith("</picture>")
    assert "style=" not in html


@pytest.mark.django_db
def test_product_picture_escapes_alt_text():
    image = product_image_create(
        product=ProductFactory(), file=upload(encode(photo(), "JPEG"), "a.jpg"), alt_text='"><script>x</script>'
    )

    html = render('{% product_picture image "mini" %}', image=image)

    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html


def test_product_picture_without_an_image_shows_the_placeholder(settings):
    html = render('{% product_picture None "detail" alt="No photo yet" %}')

    assert "<picture" not in html
    assert 'src="/static/img/product-placeholder.svg"' in html
    assert 'width="800" height="800"' in html
    assert 'alt="No photo yet"' in html
    assert "product-placeholder" in html
    assert "style=" not in html
    assert (Path(settings.BASE_DIR) / "static" / "img" / "product-placeholder.svg").is_file()


def test_product_picture_loads_eagerly_only_when_asked():
    assert 'loading="eager"' in render('{% product_picture None "detail" loading="eager" %}')
    assert 'loading="lazy"' in render('{% product_picture None "detail" %}')
    with pytest.raises(TemplateSyntaxError, match="lazy"):
        render('{% product_picture None "detail" loading="soon" %}')


def test_product_picture_rejects_an_unknown_size():
    with pytest.raises(TemplateSyntaxError, match="mini, card, detail"):
        render('{% product_picture None "huge" %}')


@pytest.mark.django_db
def test_product_picture_falls_back_to_the_original_without_renditions(settings):
    image = product_image_create(product=ProductFactory(), file=upload(encode(photo(), "JPEG"), "a.jpg"))
    ProductImage.objects.filter(pk=image.pk).update(renditions={})
    image.refresh_from_db()

    html = render('{% product_picture image "card" %}', image=image)

    assert f'src="{image.image.url}"' in html
    assert 'width="320" height="160"' in html
    assert os.path.basename(image.image.name) in html
