"""Image bombs: a small file that declares a huge picture is refused from its header, with a clear
form error, and what is accepted is decoded within bounded memory.

Memory is measured as the growth of the peak resident set (ru_maxrss) of a fresh Python process
that validates an upload and decodes it for its renditions, as the admin does. tracemalloc would
not see it: Pillow allocates pixel memory in C, outside Python's allocator.
"""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from shop.admin import ProductImageForm
from shop.models import Product, ProductImage
from tests.shop.test_admin import _product_form_data, admin_url, staff  # noqa: F401  (staff is a fixture)

MB = 1024 * 1024


def crafted_png(width: int, height: int, mode: str = "RGB") -> bytes:
    """A valid PNG of ``width`` x ``height`` flat pixels, compressed row by row, so neither the file
    nor its making needs the memory the picture declares."""
    color_type, channels = {"RGB": (2, 3), "RGBA": (6, 4)}[mode]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    row = b"\x00" + bytes((200, 30, 30, 128)[:channels]) * width
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    # The attack: 6,320 x 6,320 = 39.9 megapixels with transparency, about 170 KB on disk.
    return crafted_png(6320, 6320, "RGBA")


def test_the_bomb_is_small_on_disk_and_over_the_limit(bomb):
    assert len(bomb) < 200_000
    assert settings.SHOP_IMAGE_MAX_PIXELS < 6320 * 6320


def test_the_admin_form_refuses_the_bomb_with_a_clear_error(bomb):
    form = ProductImageForm(
        data={"alt_text": "Bottle", "position": "0"},
        files={"image": SimpleUploadedFile("bottle.png", bomb, content_type="image/png")},
    )
    assert not form.is_valid()
    assert form.errors["image"] == ["This image is 40 megapixels; the limit is 25."]


@pytest.mark.django_db
def test_the_product_admin_refuses_the_bomb_and_keeps_nothing(staff, bomb):  # noqa: F811
    add_url = admin_url(Product, "add")
    data = _product_form_data(staff.get(add_url))
    data.update({
        "images-0-image": SimpleUploadedFile("bottle.png", bomb, content_type="image/png"),
        "images-0-alt_text": "Bottle",
        "images-0-position": "0",
    })
    response = staff.post(add_url, data)
    assert response.status_code == 200
    assert "This image is 40 megapixels; the limit is 25." in response.content.decode()
    assert not Product.objects.filter(sku="SUN-D3").exists()
    assert ProductImage.objects.count() == 0


# Validates the file, then decodes it as product_image_renditions_build does (without the database
# and storage around it), and prints the peak memory growth.
PROBE = """
import json, resource, sys
import django
django.setup()
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from shop.services import images

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

upload = SimpleUploadedFile("upload", open(sys.argv[1], "rb").read())
before = peak_mb()
try:
    images.validate_image_upload(upload)
    images.picture_for_renditions(upload)
    refused = None
except ValidationError as exc:
    refused = exc.messages[0]
print(json.dumps({"refused": refused, "growth_mb": round(peak_mb() - before, 1)}))
"""


def probe(path: Path) -> dict:
    environment = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(settings.BASE_DIR),
    }
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, env=environment,
        cwd=settings.BASE_DIR, timeout=120, check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_refusing_the_bomb_costs_almost_no_memory(tmp_path, bomb):
    path = tmp_path / "bomb.png"
    path.write_bytes(bomb)
    result = probe(path)
    assert result["refused"] == "This image is 40 megapixels; the limit is 25."
    assert result["growth_mb"] < 100


def make_picture(path: Path, size: tuple[int, int], noise: bool = False) -> None:
    """Saved by Pillow in its own process: a 25-megapixel picture is 100 MB, not for the test runner."""
    picture = f"Image.effect_noise({size}, 40).convert('RGB')" if noise else f"Image.new('RGB', {size}, (200, 30, 30))"
    script = f"from PIL import Image; {picture}.save({str(path)!r})"
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)


def test_a_25_megapixel_jpeg_is_decoded_at_a_reduced_scale(tmp_path):
    path = tmp_path / "photo.jpg"
    make_picture(path, (5000, 5000), noise=True)
    result = probe(path)
    assert result["refused"] is None
    # Full size would be 100 MB for one frame; decoded at 1/4 scale it is a few.
    assert result["growth_mb"] < 100


@pytest.mark.parametrize(("mode", "bound_mb"), [("RGB", 150), ("RGBA", 250)])
def test_a_png_at_the_limit_costs_at_most_one_or_two_frames(tmp_path, mode, bound_mb):
    path = tmp_path / "big.png"
    path.write_bytes(crafted_png(5000, 5000, mode))
    result = probe(path)
    assert result["refused"] is None
    # One decoded frame is 100 MB (4 bytes a pixel); with transparency, Pillow premultiplies a copy
    # to resize. Before, rotation and flattening copied the full frame three more times.
    assert result["growth_mb"] < bound_mb


def test_a_webp_gets_a_quarter_of_the_pixel_limit(tmp_path):
    # Pillow's WebP decoding holds about four frames: 25 megapixels took 384 MB.
    path = tmp_path / "big.webp"
    make_picture(path, (5000, 5000))
    result = probe(path)
    assert result["refused"] == (
        "This WebP image is 25 megapixels; the limit for WebP is 6.2 (a JPEG or PNG may have up to 25)."
    )
    assert result["growth_mb"] < 100


def test_a_webp_at_its_limit_costs_about_one_frame_of_a_png_at_its_limit(tmp_path):
    path = tmp_path / "limit.webp"
    make_picture(path, (2500, 2500))
    result = probe(path)
    assert result["refused"] is None
    assert result["growth_mb"] < 150
