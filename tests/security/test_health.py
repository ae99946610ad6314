"""/healthz (process up, touches nothing) and /readyz (database and broker reachable)."""
from __future__ import annotations

import time

import pytest
from django.db import OperationalError

from config import health


def test_healthz_answers_without_touching_the_database(client):
    # No db fixture: any query would fail the test with "Database access not allowed".
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_ok_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_readyz_503_names_the_database_when_it_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable", "broker": "ok"}}


@pytest.mark.django_db
def test_readyz_503_names_the_broker_quickly_when_it_is_down(client, monkeypatch):
    # Nothing listens on port 1: the connection is refused at once, and the probe must not wait long.
    # (Celery reads this variable before its settings, so it wins whatever broker the suite uses.)
    monkeypatch.setenv("CELERY_BROKER_WRITE_URL", "redis://127.0.0.1:1/0")
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "broker": "unavailable"}}


def test_probes_need_no_login_and_only_allow_reads(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
