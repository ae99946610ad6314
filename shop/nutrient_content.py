"""What the nutrient pages say about vitamin D3, K2 MK-4, K2 MK-7 and K1.

The words live in shop/content/nutrient_pages.toml, which a writer edits without touching code (its
header says how). It is data, not templates, because every sentence is a ``Claim`` that names its
source (its name and a link): kept as pairs, the tests can check that every claim cites a dated,
linked source and that the safety sections keep their limits. The file is read once, when the
process starts; a mistake in it (an unknown source, a missing field) stops the start with a message
naming the place.
"""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

CONTENT_PATH = Path(__file__).resolve().parent / "content" / "nutrient_pages.toml"


@dataclass(frozen=True)
class Source:
    name: str
    url: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Claim:
    text: str
    source: Source


@dataclass(frozen=True)
class Section:
    heading: str
    claims: tuple[Claim, ...]


@dataclass(frozen=True)
class NutrientPage:
    code: str
    title: str
    intro: str
    sections: tuple[Section, ...]
    caveat: str
    # The day someone last checked the page's claims against their sources.
    reviewed: date
    # Where the label Daily Value in the page's facts table comes from.
    daily_value_source: Source
    # False for a nutrient the shop sells nothing of (K1): the page says so instead of listing products.
    sold: bool = True


@dataclass(frozen=True)
class NutrientContent:
    pages: dict[str, NutrientPage]
    caveat: str
    undated_sources: frozenset[str]
    # Changes whenever the file does: cached pages are keyed on it, so a published edit shows at once.
    version: str


class NutrientContentError(ValueError):
    """The content file names something it does not define, or lacks a field."""


def load_nutrient_content(path: Path = CONTENT_PATH) -> NutrientContent:
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
        sources = {key: _source(key, source) for key, source in data["sources"].items()}
        caveat: str = data["caveat"]
        pages = {}
        for page in data["pages"]:
            where = f"page {page['code']!r}"
            sections = tuple(
                Section(
                    heading=section["heading"],
                    claims=tuple(_claim(claim, sources, where) for claim in section["claims"]),
                )
                for section in page["sections"]
            )
            if not isinstance(page["reviewed"], date):
                raise NutrientContentError(f"{path}: {where}: reviewed must be a date, e.g. 2026-11-30")
            pages[page["code"]] = NutrientPage(
                code=page["code"], title=page["title"], intro=page["intro"], sections=sections, caveat=caveat,
                reviewed=page["reviewed"], sold=page.get("sold", True),
                daily_value_source=_cited(page["daily_value_source"], sources, where),
            )
        undated = frozenset(sources[key].name for key in data["undated_sources"])
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise NutrientContentError(f"{path}: {type(exc).__name__}: {exc}") from exc
    return NutrientContent(
        pages=pages, caveat=caveat, undated_sources=undated, version=hashlib.sha256(raw).hexdigest()[:16]
    )


def _source(key: str, source: dict) -> Source:
    if not str(source["url"]).startswith("https://"):
        raise NutrientContentError(f"source {key!r}: its url must be an https link, not {source['url']!r}")
    return Source(name=source["name"], url=source["url"])


def _claim(claim: dict, sources: dict[str, Source], where: str) -> Claim:
    if claim["source"] not in sources:
        raise NutrientContentError(
            f"{where}: the claim {claim['text'][:40]!r}… cites {claim['source']!r}, not in [sources]"
        )
    return Claim(text=claim["text"], source=sources[claim["source"]])


def _cited(key: str, sources: dict[str, Source], where: str) -> Source:
    if key not in sources:
        raise NutrientContentError(f"{where}: cites {key!r}, not in [sources]")
    return sources[key]


NUTRIENT_CONTENT = load_nutrient_content()
NUTRIENT_PAGES = NUTRIENT_CONTENT.pages
GENERAL_INFORMATION_CAVEAT = NUTRIENT_CONTENT.caveat
UNDATED_SOURCES = NUTRIENT_CONTENT.undated_sources
