"""Every request body has a ceiling for its part of the site, checked before the body is read.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count file parts: without this ceiling a multipart file
of any size sent to a storefront form was streamed to a temporary file before the view refused it.
"""
from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from config.body_limit import body_limit_for

pytestmark = pytest.mark.django_db

QUIZ = "/advisor/"


def test_a_file_sent_to_a_storefront_form_is_refused_unread(monkeypatch):
    read = []
    monkeypatch.setattr(
        "django.http.multipartparser.MultiPartParser.parse", lambda self: read.append(1) or ({}, {})
    )
    client = Client()
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
    upload = SimpleUploadedFile("big.bin", b"x" * size, content_type="application/octet-stream")

    response = client.post(QUIZ, {"step": "1", "action": "next", "file": upload})

    assert response.status_code == 413
    assert "more than this page accepts" in response.content.decode()
    assert read == []  # the body was never parsed
    assert "advisor_quiz" not in client.session


def test_a_storefront_form_within_the_ceiling_is_answered():
    response = Client().post(QUIZ, {"step": "1", "action": "next", "age": "40"})

    assert response.status_code in (200, 302)


def test_an_api_body_over_its_ceiling_gets_the_error_format():
    body = b"{" + b" " * settings.API_MAX_BODY_BYTES + b"}"

    response = Client().post("/api/advisor/recommendations/", body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_each_part_of_the_site_has_its_ceiling(rf):
    assert body_limit_for(rf.post("/api/auth/token/")) == settings.API_MAX_BODY_BYTES
    assert body_limit_for(rf.post("/admin/shop/product/add/")) == (
        settings.SHOP_IMAGE_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    )
    assert body_limit_for(rf.post("/checkout/")) == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
