"""Supplier stock feeds: fetch them, parse CSV or JSON, and check every row, in bounded memory.

Nothing here touches the database. The sync service (stock_sync/services/runs.py) fetches a feed
into a temporary file, parses it row by row against the supplier's SKU map, and applies what is
valid. Memory stays bounded by the supplier's mapped SKUs and ``MAX_ROW_ERRORS_STORED``, not by the
size of the feed: a 50 MB feed is never held whole, as bytes, text or rows.

Two kinds of failure are told apart because only one of them is worth retrying:
``FeedUnavailable`` (connection error, timeout, HTTP 5xx) may pass on its own; ``FeedUnreadable``
(HTTP 4xx, refused address, too large, wrong header, not CSV/JSON) will not, so the run fails at once.
Messages never repeat what the response contained: a staff user who points a feed at something that
is not a feed learns its content type and size, not its bytes.
"""
from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple
from urllib.parse import urlsplit

from django.conf import settings

from .feed_http import CHUNK_BYTES, FeedUnreadable, fetch_http, read_bounded

# The errors are defined beside the HTTP fetch, which raises most of them, and belong to this API.
from .feed_http import FeedError as FeedError
from .feed_http import FeedUnavailable as FeedUnavailable
from .feed_urls import HTTP_SCHEMES, is_valid_feed_url, redact_url
from .models import StockSyncRowError

Reason = StockSyncRowError.Reason

CSV_HEADER = ("sku", "quantity")
# Stock.on_hand is a PositiveIntegerField: the largest value every supported database accepts.
MAX_QUANTITY = 2_147_483_647
# Row errors kept per feed (the count of rejected rows is always exact); the admin lists them inline.
MAX_ROW_ERRORS_STORED = 1000
# A CSV line or a JSON item longer than this is not a stock row: refused before it can fill memory.
MAX_LINE_CHARS = 64 * 1024
_INTEGER = re.compile(r"[+-]?[0-9]+")


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
    """Rows whose fields are well formed, the first rejected rows, and how many data rows there were.

    ``rows`` holds each SKU once. ``repeated_rows`` counts later rows that repeated a SKU with the
    same quantity: they were accepted once (and count as unchanged) rather than rejected.
    ``errors`` holds the first MAX_ROW_ERRORS_STORED rejected rows by line; ``rows_rejected`` counts all.
    """

    rows: list[FeedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_seen: int = 0
    repeated_rows: int = 0
    rows_rejected: int = 0


@dataclass(frozen=True)
class FetchedFeed:
    """A fetched feed: its bytes in ``file`` (at position 0), and what may be said about them."""

    file: BinaryIO
    sha256: str
    size: int
    content_type: str
    from_http: bool

    def describe(self) -> str:
        if not self.from_http:
            return f"(The feed file has {self.size:,} bytes.)"
        kind = f"content type {self.content_type}" if self.content_type else "no content type"
        return f"(The response had {kind} and {self.size:,} bytes.)"


# --- Fetching -----------------------------------------------------------------------------------


@contextmanager
def fetch_feed(
    *, url: str, auth_token: str = "", max_bytes: int | None = None, allow_local_file: bool | None = None
) -> Iterator[FetchedFeed]:
    """The feed from an http(s) URL or, where allowed, a local file path, open for reading.

    HTTP feeds are streamed into a temporary file that is deleted when the block ends. Local files
    are allowed when settings.STOCK_SYNC_ALLOW_LOCAL_FILES is on (development), or when the caller
    says so (the sync_stock command, run by someone who has the server's shell anyway).
    """
    limit = settings.STOCK_SYNC_MAX_FEED_BYTES if max_bytes is None else max_bytes
    if not is_valid_feed_url(url):
        raise FeedUnreadable("The feed URL is not valid.")
    scheme = urlsplit(url).scheme.lower()
    if scheme in HTTP_SCHEMES:
        with tempfile.TemporaryFile(prefix="stock-feed-") as spool:
            fetched = fetch_http(url=url, auth_token=auth_token, max_bytes=limit, destination=spool)
            spool.seek(0)
            yield FetchedFeed(
                file=spool, sha256=fetched.sha256, size=fetched.size, content_type=fetched.content_type, from_http=True
            )
    elif is_local_path(url):
        if not (settings.STOCK_SYNC_ALLOW_LOCAL_FILES if allow_local_file is None else allow_local_file):
            raise FeedUnreadable("Local file feeds are turned off here (STOCK_SYNC_ALLOW_LOCAL_FILES); use http(s)://.")
        with _open_local_file(url) as handle:
            yield _local_feed(handle, limit)
    else:
        raise FeedUnreadable(f"Unsupported feed address {redact_url(url)!r}: use http(s):// or a local file path.")


def is_local_path(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("", "file")


@contextmanager
def _open_local_file(url: str) -> Iterator[BinaryIO]:
    path = Path(urlsplit(url).path if url.lower().startswith("file:") else url)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise FeedUnreadable(f"Could not read the feed file {str(path)!r}: {exc.strerror or exc}.") from exc
    with handle:
        yield handle


def _local_feed(handle: BinaryIO, limit: int) -> FetchedFeed:
    sha256, size = read_bounded(handle.read, limit)
    handle.seek(0)
    return FetchedFeed(file=handle, sha256=sha256, size=size, content_type="", from_http=False)


# --- Parsing and checking rows ------------------------------------------------------------------


def parse_feed(
    source: bytes | BinaryIO, feed_format: str, *, known_skus: Container[str] | None = None
) -> ParsedFeed:
    """Rows and row errors of a CSV or JSON feed, read row by row; raises FeedUnreadable when the
    file as a whole is unusable.

    With ``known_skus`` (the supplier's mapped SKUs), a well-formed row of any other SKU is rejected
    as unknown as it is read and not kept, so memory follows the mapped SKUs, not the feed's length.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    # utf-8-sig drops a byte order mark; newline="" leaves line ends to the CSV reader.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    collector = _RowCollector(known_skus)
    try:
        if feed_format == "json":
            _parse_json(text, collector)
        elif feed_format == "csv":
            _parse_csv(text, collector)
        else:
            raise FeedUnreadable(f"Unknown feed format {feed_format!r}.")
    except UnicodeDecodeError:
        raise FeedUnreadable(
            f"The feed is not UTF-8 text (a bad byte after data row {collector.rows_seen:,})."
        ) from None
    finally:
        text.detach()  # the caller's file stays open
    return collector.result()


def _lines(text: io.TextIOWrapper) -> Iterator[str]:
    line_number = 0
    while line := text.readline(MAX_LINE_CHARS + 1):
        line_number += 1
        if len(line) > MAX_LINE_CHARS:
            raise FeedUnreadable(f"Line {line_number} is longer than {MAX_LINE_CHARS:,} characters; not a stock feed.")
        yield line


def _parse_csv(text: io.TextIOWrapper, feed: _RowCollector) -> None:
    reader = csv.reader(_lines(text), strict=True)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise FeedUnreadable("The feed is empty.")
        if tuple(cell.strip().lower() for cell in header) != CSV_HEADER:
            # What the first line held is not repeated: the URL may point at something that is no feed.
            raise FeedUnreadable(
                "Wrong CSV header: this is not a CSV stock feed (its first line must be 'sku,quantity'). "
                "Is this the right feed?"
            )
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


def _parse_json(text: io.TextIOWrapper, feed: _RowCollector) -> None:
    # JSON rows are numbered by their position in the array, from 1.
    for position, item in enumerate(_json_array_items(text), start=1):
        if not isinstance(item, dict):
            feed.reject(position, "", Reason.MISSING_FIELD, 'Item is not an object with "sku" and "quantity".')
            continue
        sku = item.get("sku")
        quantity = item.get("quantity")
        if sku is None or (isinstance(sku, str) and not sku.strip()):
            feed.reject(position, "", Reason.MISSING_FIELD, 'Missing "sku".')
            continue
        if not isinstance(sku, str):
            feed.reject(position, _show(sku)[:200], Reason.MISSING_FIELD, '"sku" must be a string.')
            continue
        if quantity is None:
            feed.reject(position, sku.strip(), Reason.MISSING_FIELD, 'Missing "quantity".')
            continue
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            feed.reject(position, sku.strip(), Reason.NOT_AN_INTEGER, f"Quantity {_show(quantity)} is not an integer.")
            continue
        feed.add(position, sku.strip(), str(quantity))


_JSON_SCALAR_STARTS = frozenset('{"-0123456789tfn')
_DECODER = json.JSONDecoder()


class _JsonText:
    """The text of a JSON feed, read in chunks, with the position and line count of what was used."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._text = text
        self.buffer = ""
        self.pos = 0
        self.lines_before = 1  # the line of the buffer's first character
        self.at_end = False

    def read_more(self) -> bool:
        if self.at_end:
            return False
        if self.pos > CHUNK_BYTES:  # drop what was used, so the buffer never grows with the feed
            self.lines_before += self.buffer.count("\n", 0, self.pos)
            self.buffer = self.buffer[self.pos:]
            self.pos = 0
        chunk = self._text.read(CHUNK_BYTES)
        if not chunk:
            self.at_end = True
            return False
        self.buffer += chunk
        return True

    def next_char(self) -> str:
        """The next character that is not white space ("" at the end), left unconsumed."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.read_more():
                return ""

    def invalid(self, message: str, at: int | None = None) -> FeedUnreadable:
        line = self.lines_before + self.buffer.count("\n", 0, self.pos if at is None else at)
        return FeedUnreadable(f"The feed is not valid JSON (line {line:,}: {message}).")


def _json_array_items(text: io.TextIOWrapper) -> Iterator[object]:
    """The items of a top-level JSON array, decoded one at a time.

    Each item is decoded with the standard decoder once it is whole in the buffer; an item longer
    than MAX_LINE_CHARS is refused, and so is one nested too deeply for the decoder.
    """
    source = _JsonText(text)
    first = source.next_char()
    if not first:
        raise FeedUnreadable("The feed is empty.")
    if first != "[":
        if first in _JSON_SCALAR_STARTS:
            raise FeedUnreadable('The JSON feed must be an array of {"sku": …, "quantity": …} objects.')
        raise source.invalid("Expecting value")
    source.pos += 1
    if source.next_char() == "]":
        source.pos += 1
    else:
        position = 0
        while True:
            position += 1
            if not source.next_char():
                raise source.invalid("Expecting value")
            yield _decode_item(source, position)
            separator = source.next_char()
            source.pos += 1
            if separator == "]":
                break
            if separator != ",":
                raise source.invalid("Expecting ',' delimiter" if separator else "Unterminated array", source.pos - 1)
    if source.next_char():
        raise source.invalid("Extra data after the array")


def _decode_item(source: _JsonText, position: int) -> object:
    while True:
        try:
            item, end = _DECODER.raw_decode(source.buffer, source.pos)
        except json.JSONDecodeError as exc:
            if len(source.buffer) - source.pos <= MAX_LINE_CHARS and source.read_more():
                continue  # the item may just be cut off by the end of the buffer
            if len(source.buffer) - source.pos > MAX_LINE_CHARS:
                raise FeedUnreadable(
                    f"Item {position:,} of the JSON feed is longer than {MAX_LINE_CHARS:,} characters "
                    "or not valid JSON; not a stock feed."
                ) from None
            raise source.invalid(exc.msg, exc.pos) from None
        except RecursionError:
            raise FeedUnreadable(
                f"Item {position:,} of the JSON feed is nested too deeply; each item must be a flat "
                '{"sku": …, "quantity": …} object.'
            ) from None
        except ValueError:  # e.g. an integer with more digits than Python converts
            raise FeedUnreadable(f"Item {position:,} of the JSON feed holds a number that cannot be read.") from None
        source.pos = end
        return item


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value[:40])
    try:
        return json.dumps(value)[:40]
    except (RecursionError, ValueError):
        return type(value).__name__


class _RowCollector:
    """Checks one row at a time and resolves repeated SKUs once every row has been seen.

    What it keeps is bounded by the known SKUs, not by the feed: the first MAX_ROW_ERRORS_STORED
    rejected rows, one row per known SKU, and at most MAX_ROW_ERRORS_STORED later rows of repeated SKUs
    (for the detail of a conflict; any further repeats are counted only).
    """

    def __init__(self, known_skus: Container[str] | None) -> None:
        self._known_skus = known_skus
        self.errors: list[RowError] = []
        self.rows_seen = 0
        self.rows_rejected = 0
        self._first: dict[str, FeedRow] = {}
        # Later rows of a SKU already seen, kept apart so the common case stays one dict entry.
        self._repeats: dict[str, _Repeats] = {}
        self._repeat_rows_kept = 0

    def reject(self, line: int, sku: str, reason: str, detail: str) -> None:
        self.rows_seen += 1
        self.rows_rejected += 1
        if len(self.errors) < MAX_ROW_ERRORS_STORED:  # rows arrive in line order: these are the first
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
        elif len(raw_quantity.lstrip("+-0")) > len(str(MAX_QUANTITY)) or int(raw_quantity) > MAX_QUANTITY:
            if raw_quantity.startswith("-"):
                self.reject(line, sku, Reason.NEGATIVE, f"Quantity {raw_quantity[:40]} is negative.")
            else:
                detail = f"Quantity {raw_quantity[:40]} is larger than {MAX_QUANTITY}."
                self.reject(line, sku, Reason.NOT_AN_INTEGER, detail)
        elif int(raw_quantity) < 0:
            self.reject(line, sku, Reason.NEGATIVE, f"Quantity {int(raw_quantity)} is negative.")
        else:
            self._accept(FeedRow(line, sku, int(raw_quantity)))

    def _accept(self, row: FeedRow) -> None:
        if self._known_skus is not None and row.sku not in self._known_skus:
            self.reject(row.line, row.sku, Reason.UNKNOWN_SKU, UNKNOWN_SKU_DETAIL)
            return
        self.rows_seen += 1
        first = self._first.get(row.sku)
        if first is None:
            self._first[row.sku] = row
            return
        repeats = self._repeats.setdefault(row.sku, _Repeats())
        repeats.count += 1
        repeats.conflicting = repeats.conflicting or row.quantity != first.quantity
        if self._repeat_rows_kept < MAX_ROW_ERRORS_STORED:
            repeats.kept.append(row)
            self._repeat_rows_kept += 1

    def result(self) -> ParsedFeed:
        feed = ParsedFeed(errors=self.errors, rows_seen=self.rows_seen, rows_rejected=self.rows_rejected)
        conflicting: set[str] = set()
        for sku, repeats in self._repeats.items():
            if not repeats.conflicting:
                # The same SKU with the same figure: harmless, applied once.
                feed.repeated_rows += repeats.count
                continue
            # Different figures for one SKU: no way to tell which is right, so none is applied.
            conflicting.add(sku)
            rows = [self._first[sku], *repeats.kept]
            listing = ", ".join(f"line {row.line}: {row.quantity}" for row in rows)
            detail = f"SKU repeated with different quantities ({listing})."[:300]
            feed.rows_rejected += 1 + repeats.count
            feed.errors.extend(
                RowError(line=row.line, sku=sku[:200], reason=Reason.DUPLICATE_CONFLICT, detail=detail) for row in rows
            )
        feed.errors.sort(key=lambda error: error.line)
        del feed.errors[MAX_ROW_ERRORS_STORED:]
        # First occurrences were recorded in line order, so the rows stay in feed order.
        feed.rows = [row for sku, row in self._first.items() if sku not in conflicting]
        return feed


@dataclass
class _Repeats:
    count: int = 0
    conflicting: bool = False
    kept: list[FeedRow] = field(default_factory=list)


UNKNOWN_SKU_DETAIL = "No product is mapped to this supplier SKU."


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
                    detail=UNKNOWN_SKU_DETAIL,
                )
            )
        else:
            known[product_id] = row
    return known, unknown
