"""Every query the list pages, the API list and the advisor's product match run can use an index
(PostgreSQL's EXPLAIN): none has to read a whole catalog table row by row, which is what makes a
page slow down in step with the catalog.

The catalog here is small, where a sequential scan is the cheaper plan; sequential scans are
therefore priced out (``enable_seqscan = off``), so one still in a plan means no index could serve it.
"""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.perf.conftest import build_catalog

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ADVISOR_ANSWERS = {
    "age": 45, "sex": "female", "weight_kg": 70, "height_cm": 168, "current_d3_iu": 1000,
    "sun_exposure": "low", "k2_food_frequency": "rarely", "goals": ["bone", "general"],
    "blood_level": {"value": 22, "unit": "ng/mL"},
}
LIST_PAGES = [
    "/products/",
    "/products/?nutrient=d3&sort=-price",
    "/products/?nutrient=k2-mk7&form=softgel&price_max=30&sort=price",
    "/products/?q=vitamin+d3",
    "/products/?page=2",
    "/api/products/",
    "/api/products/?nutrient=d3&sort=-price",
]
# One-row tables read by every request (the catalog version and its stock counter).
SINGLE_ROW_RELATIONS = {"shop_catalog_stock_version"}


def seq_scans(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        plan = [row[0] for row in cursor.fetchall()]
    return [
        line.strip() for line in plan
        if "Seq Scan on" in line and line.split("Seq Scan on ")[1].split()[0] not in SINGLE_ROW_RELATIONS
    ]


def selects_of(request) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert 200 <= response.status_code < 300
    return [query["sql"] for query in captured.captured_queries if query["sql"].lstrip().upper().startswith("SELECT")]


@pytest.fixture
def catalog():
    build_catalog(24)


@pytest.fixture
def no_seq_scans():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")


@pytest.mark.parametrize("url", LIST_PAGES)
def test_every_list_query_uses_an_index(catalog, client, no_seq_scans, url):
    queries = selects_of(lambda: client.get(url))
    assert queries
    assert {sql: seq_scans(sql) for sql in queries if seq_scans(sql)} == {}


def test_the_advisor_match_uses_an_index(catalog, no_seq_scans):
    queries = selects_of(lambda: APIClient().post("/api/advisor/recommendations/", ADVISOR_ANSWERS, format="json"))
    assert {sql: seq_scans(sql) for sql in queries if seq_scans(sql)} == {}
