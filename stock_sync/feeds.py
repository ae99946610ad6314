"""Supplier stock feeds: fetch the bytes, parse CSV or JSON, and check every row.

Nothing here touches the database. The sync service (stock_sync/services/runs.py) fetches a feed,
parses it into rows and row errors, maps the SKUs, and applies what is valid.

Two kinds of failure are told apart because only one of them is worth retrying:
``FeedUnavailable`` (connection error, timeout, HTTP 5xx) may pass on its own; ``FeedUnreadable``
(HTTP 4xx, too large, wrong header, not CSV/JSON) will not, so the run fails at once.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import requests
from django.conf import settings

from .models import StockSyncRowError

Reason = StockSyncRowError.Reason

CSV_HEADER = ("sku", "quantity")
# Stock.on_hand is a PositiveIntegerField: the largest value every supported database accepts.
MAX_QUANTITY = 2_147_483_647
_INTEGER = re.compile(r"[+-]?[0-9]+")
_CHUNK_BYTES = 64 * 1024


class FeedError(Exception):
    """The feed could not be used; the message is shown to staff as the run's message."""


class FeedUnavailable(FeedError):
    """A network failure that may pass: connection error, timeout or HTTP 5xx. Worth retrying."""


class FeedUnreadable(FeedError):
    """A failure a retry cannot fix: HTTP 4xx, too large, not CSV/JSON, wrong header."""


class FeedRow(NamedTuple):
    # A tuple, not a dataclass: 100,000-row feeds make one per row, and tuples are cheaper to build.
    line: int
    sku: str
    quantity: int


@dataclass(frozen=True)
class RowError:
    line: int
    sku: str
    reason: str  # a StockSyncRowError.Reason value
    detail: str


@dataclass
class ParsedFeed:
    """Rows whose fields are well formed, the rows that are not, and how many data rows there were.

    ``rows`` holds each SKU once. ``repeated_rows`` counts later rows that repeated a SKU with the
    same quantity: they were accepted once (and count as unchanged) rather than rejected.
    """

    rows: list[FeedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_seen: int = 0
    repeated_rows: int = 0


@dataclass(frozen=True)
class FetchedFeed:
    content: bytes
    sha256: str


# --- Fetching -----------------------------------------------------------------------------------


def fetch_feed(
    *, url: str, auth_token: str = "", max_bytes: int | None = None, allow_local_file: bool | None = None
) -> FetchedFeed:
    """The feed's bytes from an http(s) URL or, where allowed, a local file path.

    Local files are allowed when settings.STOCK_SYNC_ALLOW_LOCAL_FILES is on (development), or when
    the caller says so (the sync_stock command, run by someone who has the server's shell anyway).

    The size limit is checked twice for HTTP: against Content-Length before reading, and while
    streaming, because a server may send no length or a false one.
    """
    limit = settings.STOCK_SYNC_MAX_FEED_BYTES if max_bytes is None else max_bytes
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        content = _fetch_http(url, auth_token, limit)
    elif is_local_path(url):
        if not (settings.STOCK_SYNC_ALLOW_LOCAL_FILES if allow_local_file is None else allow_local_file):
            raise FeedUnreadable("Local file feeds are turned off here (STOCK_SYNC_ALLOW_LOCAL_FILES); use http(s)://.")
        content = _read_local_file(url, limit)
    else:
        raise FeedUnreadable(f"Unsupported feed address {url!r}: use http(s):// or a local file path.")
    return FetchedFeed(content=content, sha256=hashlib.sha256(content).hexdigest())


def is_local_path(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("", "file")


def _too_large(limit: int) -> FeedUnreadable:
    return FeedUnreadable(f"The feed is larger than the limit of {limit:,} bytes (STOCK_SYNC_MAX_FEED_BYTES).")


def _fetch_http(url: str, auth_token: str, limit: int) -> bytes:
    headers = {"Accept": "text/csv, application/json;q=0.9, */*;q=0.1"}
    if auth_token:
        headers["Authorization"] = f"Bearer {auth_token}"
    timeout = (settings.STOCK_SYNC_CONNECT_TIMEOUT, settings.STOCK_SYNC_READ_TIMEOUT)
    try:
        with requests.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=True) as response:
            if response.status_code >= 500:
                raise FeedUnavailable(f"The supplier's server answered HTTP {response.status_code}.")
            if response.status_code >= 400:
                raise FeedUnreadable(
                    f"The supplier's server answered HTTP {response.status_code}; check the URL and token."
                )
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise _too_large(limit)
            buffer = bytearray()
            for chunk in response.iter_content(chunk_size=_CHUNK_BYTES):
                buffer.extend(chunk)
                if len(buffer) > limit:
                    raise _too_large(limit)
            return bytes(buffer)
    except requests.Timeout as exc:
        raise FeedUnavailable(f"The supplier's server did not answer in time ({_describe(exc)}).") from exc
    except requests.ConnectionError as exc:
        # A read timeout while streaming the body surfaces as a ConnectionError too.
        raise FeedUnavailable(f"Could not read the feed from the supplier's server ({_describe(exc)}).") from exc
    except requests.RequestException as exc:
        raise FeedUnreadable(f"Could not fetch the feed ({_describe(exc)}).") from exc


def _describe(exc: Exception) -> str:
    # requests' messages repeat the URL, which may carry credentials in its query string.
    return type(exc).__name__


def _read_local_file(url: str, limit: int) -> bytes:
    path = Path(urlsplit(url).path if url.lower().startswith("file:") else url)
    try:
        with path.open("rb") as handle:
            content = handle.read(limit + 1)
    except OSError as exc:
        raise FeedUnreadable(f"Could not read the feed file {str(path)!r}: {exc.strerror or exc}.") from exc
    if len(content) > limit:
        raise _too_large(limit)
    return content


# --- Parsing and checking rows ------------------------------------------------------------------


def parse_feed(content: bytes, feed_format: str) -> ParsedFeed:
    """Rows and row errors of a CSV or JSON feed; raises FeedUnreadable when the file as a whole is unusable."""
    text = _decode(content)
    if feed_format == "json":
        return _parse_json(text)
    if feed_format == "csv":
        return _parse_csv(text)
    raise FeedUnreadable(f"Unknown feed format {feed_format!r}.")


def _decode(content: bytes) -> str:
    if not content.strip():
        raise FeedUnreadable("The feed is empty.")
    try:
        # utf-8-sig drops a byte order mark if there is one.
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FeedUnreadable(f"The feed is not UTF-8 text (bad byte at position {exc.start}).") from None


def _parse_csv(text: str) -> ParsedFeed:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    feed = _RowCollector()
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise FeedUnreadable("The feed is empty.")
        if tuple(cell.strip().lower() for cell in header) != CSV_HEADER:
            shown = ",".join(header)[:40]
            raise FeedUnreadable(f"Wrong CSV header {shown!r}: expected 'sku,quantity'. Is this the right feed?")
        for cells in reader:
            if len(cells) == 2:  # the usual row, checked with the fewest steps
                sku, raw_quantity = cells[0].strip(), cells[1].strip()
                if not sku and not raw_quantity:
                    continue  # blank lines are not rows
            else:
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > 2 and any(cell.strip() for cell in cells[2:]):
                    raise FeedUnreadable(
                        f"Line {reader.line_num} has {len(cells)} fields; "
                        "the feed must have exactly two (sku,quantity)."
                    )
                sku = cells[0].strip()
                raw_quantity = cells[1].strip() if len(cells) > 1 else ""
            feed.add(reader.line_num, sku, raw_quantity)
    except csv.Error as exc:
        raise FeedUnreadable(f"The feed is not valid CSV (line {reader.line_num}: {exc}).") from None
    return feed.result()


def _parse_json(text: str) -> ParsedFeed:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FeedUnreadable(
            f"The feed is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    if not isinstance(data, list):
        raise FeedUnreadable('The JSON feed must be an array of {"sku": …, "quantity": …} objects.')
    feed = _RowCollector()
    # JSON rows are numbered by their position in the array, from 1.
    for position, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            feed.reject(position, "", Reason.MISSING_FIELD, 'Item is not an object with "sku" and "quantity".')
            continue
        sku = item.get("sku")
        quantity = item.get("quantity")
        if sku is None or (isinstance(sku, str) and not sku.strip()):
            feed.reject(position, "", Reason.MISSING_FIELD, 'Missing "sku".')
            continue
        if not isinstance(sku, str):
            feed.reject(position, str(sku)[:200], Reason.MISSING_FIELD, '"sku" must be a string.')
            continue
        if quantity is None:
            feed.reject(position, sku.strip(), Reason.MISSING_FIELD, 'Missing "quantity".')
            continue
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            feed.reject(position, sku.strip(), Reason.NOT_AN_INTEGER, f"Quantity {_show(quantity)} is not an integer.")
            continue
        feed.add(position, sku.strip(), str(quantity))
    return feed.result()


def _show(value: object) -> str:
    return json.dumps(value)[:40] if not isinstance(value, str) else repr(value[:40])


class _RowCollector:
    """Checks one row at a time and resolves repeated SKUs once every row has been seen."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.rows_seen = 0
        self._first: dict[str, FeedRow] = {}
        # Later rows of a SKU already seen, kept apart so the common case stays one dict entry.
        self._repeats: dict[str, list[FeedRow]] = {}

    def reject(self, line: int, sku: str, reason: str, detail: str) -> None:
        self.rows_seen += 1
        self.errors.append(RowError(line=line, sku=sku[:200], reason=reason, detail=detail[:300]))

    def add(self, line: int, sku: str, raw_quantity: str) -> None:
        if sku and raw_quantity.isascii() and raw_quantity.isdigit() and len(raw_quantity) < 10:
            self._accept(FeedRow(line, sku, int(raw_quantity)))
        elif not sku:
            self.reject(line, "", Reason.MISSING_FIELD, "Missing SKU.")
        elif not raw_quantity:
            self.reject(line, sku, Reason.MISSING_FIELD, "Missing quantity.")
        elif not _INTEGER.fullmatch(raw_quantity):
            self.reject(line, sku, Reason.NOT_AN_INTEGER, f"Quantity {raw_quantity[:40]!r} is not an integer.")
        elif int(raw_quantity) < 0:
            self.reject(line, sku, Reason.NEGATIVE, f"Quantity {int(raw_quantity)} is negative.")
        elif int(raw_quantity) > MAX_QUANTITY:
            detail = f"Quantity {raw_quantity[:40]} is larger than {MAX_QUANTITY}."
            self.reject(line, sku, Reason.NOT_AN_INTEGER, detail)
        else:
            self._accept(FeedRow(line, sku, int(raw_quantity)))

    def _accept(self, row: FeedRow) -> None:
        self.rows_seen += 1
        if row.sku in self._first:
            self._repeats.setdefault(row.sku, []).append(row)
        else:
            self._first[row.sku] = row

    def result(self) -> ParsedFeed:
        feed = ParsedFeed(errors=self.errors, rows_seen=self.rows_seen)
        conflicting: set[str] = set()
        for sku, repeats in self._repeats.items():
            rows = [self._first[sku], *repeats]
            if len({row.quantity for row in rows}) == 1:
                # The same SKU with the same figure: harmless, applied once.
                feed.repeated_rows += len(repeats)
                continue
            # Different figures for one SKU: no way to tell which is right, so none is applied.
            conflicting.add(sku)
            listing = ", ".join(f"line {row.line}: {row.quantity}" for row in rows)
            for row in rows:
                feed.errors.append(
                    RowError(
                        line=row.line,
                        sku=sku[:200],
                        reason=Reason.DUPLICATE_CONFLICT,
                        detail=f"SKU repeated with different quantities ({listing})."[:300],
                    )
                )
        # First occurrences were recorded in line order, so the rows stay in feed order.
        feed.rows = [row for sku, row in self._first.items() if sku not in conflicting]
        feed.errors.sort(key=lambda error: error.line)
        return feed


def check_skus(feed: ParsedFeed, product_ids_by_sku: dict[str, int]) -> tuple[dict[int, FeedRow], list[RowError]]:
    """Split the well-formed rows into those whose SKU maps to a product (keyed by product id)
    and unknown-SKU errors."""
    known: dict[int, FeedRow] = {}
    unknown: list[RowError] = []
    for row in feed.rows:
        product_id = product_ids_by_sku.get(row.sku)
        if product_id is None:
            unknown.append(
                RowError(
                    line=row.line,
                    sku=row.sku[:200],
                    reason=Reason.UNKNOWN_SKU,
                    detail="No product is mapped to this supplier SKU.",
                )
            )
        else:
            known[product_id] = row
    return known, unknown
