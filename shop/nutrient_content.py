"""What the nutrient pages say about vitamin D3, K2 MK-4 and K2 MK-7.

The words live in shop/content/nutrient_pages.toml, which a writer edits without touching code (its
header says how). It is data, not templates, because every sentence is a ``Claim`` that names its
source: kept as pairs, the tests can check that every claim cites a dated source and that the
safety sections keep their limits. The file is read once, when the process starts; a mistake in it
(an unknown source, a missing field) stops the start with a message naming the place.
"""
from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

CONTENT_PATH = Path(__file__).resolve().parent / "content" / "nutrient_pages.toml"


@dataclass(frozen=True)
class Claim:
    text: str
    source: str


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
        sources: dict[str, str] = data["sources"]
        caveat: str = data["caveat"]
        shared = {
            key: _claim(claim, sources, f"shared claim {key!r}") for key, claim in data["shared_claims"].items()
        }
        pages = {}
        for page in data["pages"]:
            where = f"page {page['code']!r}"
            sections = tuple(
                Section(
                    heading=section["heading"],
                    claims=tuple(
                        shared[claim["shared"]] if "shared" in claim else _claim(claim, sources, where)
                        for claim in section["claims"]
                    ),
                )
                for section in page["sections"]
            )
            pages[page["code"]] = NutrientPage(
                code=page["code"], title=page["title"], intro=page["intro"], sections=sections, caveat=caveat
            )
        undated = frozenset(sources[key] for key in data["undated_sources"])
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise NutrientContentError(f"{path}: {type(exc).__name__}: {exc}") from exc
    return NutrientContent(
        pages=pages, caveat=caveat, undated_sources=undated, version=hashlib.sha256(raw).hexdigest()[:16]
    )


def _claim(claim: dict, sources: dict[str, str], where: str) -> Claim:
    if claim["source"] not in sources:
        raise NutrientContentError(
            f"{where}: the claim {claim['text'][:40]!r}… cites {claim['source']!r}, not in [sources]"
        )
    return Claim(text=claim["text"], source=sources[claim["source"]])


NUTRIENT_CONTENT = load_nutrient_content()
NUTRIENT_PAGES = NUTRIENT_CONTENT.pages
GENERAL_INFORMATION_CAVEAT = NUTRIENT_CONTENT.caveat
UNDATED_SOURCES = NUTRIENT_CONTENT.undated_sources
