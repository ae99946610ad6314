"""Media never renders as a page: only validated, re-encoded images with server-chosen names are
stored, and they are served with an image type and nosniff (so a browser never guesses "HTML")."""
from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shop.services.images import product_image_create
from tests.factories import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.security.urls_debug_media")]


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (10, 120, 200)).save(buffer, "PNG")
    return SimpleUploadedFile("../../evil name.html", buffer.getvalue(), content_type="text/html")


def test_stored_images_are_served_as_images_with_nosniff(client):
    image = product_image_create(product=ProductFactory(), file=_png())
    stored = [image.image.name] + [files[kind] for files in image.renditions.values() for kind in ("webp", "jpeg")]

    for name in stored:
        # The uploader's name and extension are gone: a random name with the detected format's extension.
        assert "evil" not in name and not name.endswith(".html")
        response = client.get(f"/media/{name}")
        assert response.status_code == 200, name
        assert response["Content-Type"] in {"image/png", "image/jpeg", "image/webp"}, name
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in response["Content-Security-Policy"]


def test_html_disguised_as_an_image_is_never_stored(settings):
    upload = SimpleUploadedFile("photo.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    with pytest.raises(ValidationError):
        product_image_create(product=ProductFactory(), file=upload)
    assert not any(settings.MEDIA_ROOT.rglob("*.*"))
