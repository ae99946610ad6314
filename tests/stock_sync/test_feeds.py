"""Parsing and checking supplier feeds (no database), and fetching them from a real HTTP server."""
from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug import Response

from stock_sync.feeds import (
    FeedUnavailable,
    FeedUnreadable,
    ParsedFeed,
    check_skus,
    fetch_feed,
    parse_feed,
)
from stock_sync.models import StockSyncRowError

Reason = StockSyncRowError.Reason


def csv_feed(text: str) -> ParsedFeed:
    return parse_feed(text.encode("utf-8"), "csv")


def errors_by_line(feed: ParsedFeed) -> dict[int, str]:
    return {error.line: error.reason for error in feed.errors}


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_good_rows_keep_their_line_numbers():
    feed = csv_feed("sku,quantity\nA-1,5\nB-2,0\n")
    assert [(r.line, r.sku, r.quantity) for r in feed.rows] == [(2, "A-1", 5), (3, "B-2", 0)]
    assert feed.errors == []
    assert feed.rows_seen == 2


def test_csv_with_byte_order_mark_is_read():
    feed = parse_feed("\ufeffsku,quantity\nA-1,5\n".encode(), "csv")
    assert [(r.sku, r.quantity) for r in feed.rows] == [("A-1", 5)]


def test_csv_with_crlf_line_ends_and_whitespace():
    feed = csv_feed("sku , Quantity\r\n  A-1 ,  7 \r\nB-2,\t3\r\n")
    assert [(r.line, r.sku, r.quantity) for r in feed.rows] == [(2, "A-1", 7), (3, "B-2", 3)]


def test_csv_blank_lines_are_skipped_but_counted_in_line_numbers():
    feed = csv_feed("sku,quantity\n\nA-1,5\n\n,\nB-2,x\n")
    assert [(r.line, r.sku) for r in feed.rows] == [(3, "A-1")]
    assert errors_by_line(feed) == {6: Reason.NOT_AN_INTEGER}
    assert feed.rows_seen == 2


def test_csv_each_rejection_reason_with_its_line():
    feed = csv_feed(
        "sku,quantity\n"
        "OK-1,4\n"  # 2
        "BAD-INT,4.5\n"  # 3
        "BAD-WORD,many\n"  # 4
        "NEG,-3\n"  # 5
        ",9\n"  # 6 missing SKU
        "NO-QTY,\n"  # 7 missing quantity
        "ONLY-SKU\n"  # 8 missing quantity (one field)
        "DUP,1\n"  # 9
        "DUP,2\n"  # 10
        "HUGE,99999999999\n"  # 11
    )
    assert errors_by_line(feed) == {
        3: Reason.NOT_AN_INTEGER,
        4: Reason.NOT_AN_INTEGER,
        5: Reason.NEGATIVE,
        6: Reason.MISSING_FIELD,
        7: Reason.MISSING_FIELD,
        8: Reason.MISSING_FIELD,
        9: Reason.DUPLICATE_CONFLICT,
        10: Reason.DUPLICATE_CONFLICT,
        11: Reason.NOT_AN_INTEGER,
    }
    assert [r.sku for r in feed.rows] == ["OK-1"]
    assert feed.rows_seen == 10
    conflict = next(e for e in feed.errors if e.line == 9)
    assert "line 9: 1" in conflict.detail and "line 10: 2" in conflict.detail


def test_csv_same_sku_same_quantity_is_accepted_once():
    feed = csv_feed("sku,quantity\nA,5\nB,1\nA,5\n")
    assert [(r.line, r.sku, r.quantity) for r in feed.rows] == [(2, "A", 5), (3, "B", 1)]
    assert feed.repeated_rows == 1
    assert feed.errors == []
    assert feed.rows_seen == 3


def test_csv_trailing_empty_field_is_tolerated_but_extra_data_is_not():
    assert [r.sku for r in csv_feed("sku,quantity\nA,5,\n").rows] == ["A"]
    with pytest.raises(FeedUnreadable, match="Line 2 has 3 fields"):
        csv_feed("sku,quantity\nA,5,extra\n")


@pytest.mark.parametrize(
    "header",
    ["product,quantity", "sku;quantity", "quantity,sku", "sku", "sku,quantity,price"],
)
def test_csv_wrong_header_fails_the_feed(header):
    with pytest.raises(FeedUnreadable, match="Wrong CSV header"):
        csv_feed(f"{header}\nA,5\n")


def test_csv_header_only_is_an_empty_but_valid_feed():
    feed = csv_feed("sku,quantity\n")
    assert feed.rows == [] and feed.errors == [] and feed.rows_seen == 0


@pytest.mark.parametrize("content", [b"", b"   \n\n", b"\xef\xbb\xbf"])
def test_empty_file_fails(content):
    with pytest.raises(FeedUnreadable, match="empty"):
        parse_feed(content, "csv")


def test_malformed_csv_fails():
    with pytest.raises(FeedUnreadable, match="not valid CSV"):
        csv_feed('sku,quantity\n"A,5\nB,6\n')


def test_binary_file_fails_as_not_utf8():
    with pytest.raises(FeedUnreadable, match="not UTF-8"):
        parse_feed(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "csv")


# --- JSON ---------------------------------------------------------------------------------------


def json_feed(data) -> ParsedFeed:
    return parse_feed(json.dumps(data).encode(), "json")


def test_json_good_rows_numbered_by_position():
    feed = json_feed([{"sku": "A", "quantity": 3}, {"sku": " B ", "quantity": 0}])
    assert [(r.line, r.sku, r.quantity) for r in feed.rows] == [(1, "A", 3), (2, "B", 0)]


def test_json_with_byte_order_mark():
    feed = parse_feed(b"\xef\xbb\xbf" + json.dumps([{"sku": "A", "quantity": 1}]).encode(), "json")
    assert [r.sku for r in feed.rows] == ["A"]


def test_json_shape_errors_per_item():
    feed = json_feed(
        [
            {"sku": "OK", "quantity": 1},  # 1
            ["A", 1],  # 2 not an object
            {"quantity": 1},  # 3 no sku
            {"sku": "", "quantity": 1},  # 4 empty sku
            {"sku": 12, "quantity": 1},  # 5 sku not a string
            {"sku": "NOQ"},  # 6 no quantity
            {"sku": "STR", "quantity": "5"},  # 7 quantity a string
            {"sku": "FLT", "quantity": 2.5},  # 8 a float
            {"sku": "BOOL", "quantity": True},  # 9 a boolean
            {"sku": "NEG", "quantity": -1},  # 10 negative
            {"sku": "D", "quantity": 1},  # 11
            {"sku": "D", "quantity": 3},  # 12
        ]
    )
    assert errors_by_line(feed) == {
        2: Reason.MISSING_FIELD,
        3: Reason.MISSING_FIELD,
        4: Reason.MISSING_FIELD,
        5: Reason.MISSING_FIELD,
        6: Reason.MISSING_FIELD,
        7: Reason.NOT_AN_INTEGER,
        8: Reason.NOT_AN_INTEGER,
        9: Reason.NOT_AN_INTEGER,
        10: Reason.NEGATIVE,
        11: Reason.DUPLICATE_CONFLICT,
        12: Reason.DUPLICATE_CONFLICT,
    }
    assert [r.sku for r in feed.rows] == ["OK"]
    assert feed.rows_seen == 12


@pytest.mark.parametrize("content", [b'{"sku": "A", "quantity": 1}', b"42", b'"text"'])
def test_json_top_level_must_be_an_array(content):
    with pytest.raises(FeedUnreadable, match="must be an array"):
        parse_feed(content, "json")


def test_invalid_json_fails():
    with pytest.raises(FeedUnreadable, match="not valid JSON"):
        parse_feed(b'[{"sku": "A", "quantity": 1},', "json")


def test_csv_file_read_as_json_fails():
    with pytest.raises(FeedUnreadable, match="not valid JSON"):
        parse_feed(b"sku,quantity\nA,1\n", "json")


def test_empty_json_array_is_a_valid_empty_feed():
    feed = parse_feed(b"[]", "json")
    assert feed.rows == [] and feed.rows_seen == 0


# --- SKU check ----------------------------------------------------------------------------------


def test_unknown_skus_are_rejected_with_their_line():
    feed = csv_feed("sku,quantity\nA,1\nNOPE,2\nB,3\n")
    known, unknown = check_skus(feed, {"A": 10, "B": 20})
    assert {pid: row.quantity for pid, row in known.items()} == {10: 1, 20: 3}
    assert [(e.line, e.sku, e.reason) for e in unknown] == [(3, "NOPE", Reason.UNKNOWN_SKU)]


# --- Property: every data row is either accepted or rejected ------------------------------------

quantities = st.one_of(st.integers(min_value=-5, max_value=10**6).map(str), st.sampled_from(["", "x", "1.5", "+2"]))
skus = st.sampled_from(["A", "B", "C", "D", ""])


@given(st.lists(st.tuples(skus, quantities), max_size=30))
def test_every_row_is_accounted_for(rows):
    text = "sku,quantity\n" + "".join(f"{sku},{qty}\n" for sku, qty in rows)
    feed = csv_feed(text)
    non_blank = [r for r in rows if r[0] or r[1]]
    assert feed.rows_seen == len(non_blank)
    assert len(feed.rows) + feed.repeated_rows + len(feed.errors) == feed.rows_seen
    assert len({r.sku for r in feed.rows}) == len(feed.rows)


# --- Fetching -----------------------------------------------------------------------------------


def fetched_bytes(**kwargs) -> bytes:
    with fetch_feed(**kwargs) as fetched:
        return fetched.file.read()


def test_fetch_sends_bearer_token_and_returns_bytes(allow_httpserver_feeds, httpserver):
    httpserver.expect_request("/feed.csv", headers={"Authorization": "Bearer s3cret"}).respond_with_data(
        "sku,quantity\nA,1\n", content_type="text/csv"
    )
    with fetch_feed(url=httpserver.url_for("/feed.csv"), auth_token="s3cret") as fetched:
        assert fetched.file.read() == b"sku,quantity\nA,1\n"
        assert len(fetched.sha256) == 64
        assert (fetched.size, fetched.content_type) == (17, "text/csv")


def test_fetch_http_500_is_unavailable(allow_httpserver_feeds, httpserver):
    httpserver.expect_request("/feed.csv").respond_with_data("oops", status=500)
    with pytest.raises(FeedUnavailable, match="HTTP 500"):
        fetched_bytes(url=httpserver.url_for("/feed.csv"))


def test_fetch_http_404_is_unreadable(allow_httpserver_feeds, httpserver):
    httpserver.expect_request("/feed.csv").respond_with_data("no", status=404)
    with pytest.raises(FeedUnreadable, match="HTTP 404"):
        fetched_bytes(url=httpserver.url_for("/feed.csv"))


def test_fetch_refuses_declared_oversize(allow_httpserver_feeds, httpserver):
    httpserver.expect_request("/feed.csv").respond_with_data("sku,quantity\n" + "A,1\n" * 100)
    with pytest.raises(FeedUnreadable, match="larger than the limit of 100 bytes"):
        fetched_bytes(url=httpserver.url_for("/feed.csv"), max_bytes=100)


def test_fetch_refuses_oversize_streamed_without_length(allow_httpserver_feeds, httpserver):
    def chunks():
        yield b"sku,quantity\n"
        for _ in range(100):
            yield b"A,1\n"

    httpserver.expect_request("/feed.csv").respond_with_response(Response(chunks(), status=200))
    with pytest.raises(FeedUnreadable, match="larger than the limit"):
        fetched_bytes(url=httpserver.url_for("/feed.csv"), max_bytes=100)


def test_fetch_read_timeout_is_unavailable(allow_httpserver_feeds, httpserver, settings):
    settings.STOCK_SYNC_READ_TIMEOUT = 0.2

    def slow(request):
        time.sleep(1.0)
        return Response("sku,quantity\n")

    httpserver.expect_request("/feed.csv").respond_with_handler(slow)
    with pytest.raises(FeedUnavailable, match="did not answer in time|Could not read"):
        fetched_bytes(url=httpserver.url_for("/feed.csv"))


def test_fetch_connection_refused_is_unavailable(settings):
    settings.STOCK_SYNC_ALLOWED_INTERNAL_HOSTS = ["127.0.0.1:1"]
    with pytest.raises(FeedUnavailable):
        fetched_bytes(url="http://127.0.0.1:1/feed.csv")


def test_fetch_local_file(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_bytes(b"sku,quantity\nA,1\n")
    assert fetched_bytes(url=str(path)) == b"sku,quantity\nA,1\n"
    assert fetched_bytes(url=path.as_uri()) == b"sku,quantity\nA,1\n"


def test_fetch_missing_local_file_is_unreadable(tmp_path):
    with pytest.raises(FeedUnreadable, match="Could not read the feed file"):
        fetched_bytes(url=str(tmp_path / "nope.csv"))


def test_fetch_local_file_over_the_limit(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_bytes(b"x" * 101)
    with pytest.raises(FeedUnreadable, match="larger than the limit"):
        fetched_bytes(url=str(path), max_bytes=100)


def test_fetch_unsupported_scheme():
    with pytest.raises(FeedUnreadable, match="Unsupported feed address"):
        fetched_bytes(url="ftp://example.com/feed.csv")


def test_local_files_are_refused_where_not_allowed(tmp_path, settings):
    path = tmp_path / "feed.csv"
    path.write_bytes(b"sku,quantity\nA,1\n")
    settings.STOCK_SYNC_ALLOW_LOCAL_FILES = False
    with pytest.raises(FeedUnreadable, match="Local file feeds are turned off"):
        fetched_bytes(url=str(path))
    # The sync_stock command's --file is an operator's explicit choice.
    assert fetched_bytes(url=str(path), allow_local_file=True).startswith(b"sku")
