"""The nutrient pages' content: four pages, every claim citing a dated, linked, primary or official
source, no weak source anywhere in the content or the templates."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from shop.nutrient_content import (
    CONTENT_PATH,
    GENERAL_INFORMATION_CAVEAT,
    NUTRIENT_PAGES,
    UNDATED_SOURCES,
    Claim,
    NutrientContentError,
    NutrientPage,
    load_nutrient_content,
)

ALL_CLAIMS = [
    pytest.param(claim, id=f"{page.code}:{section.heading}:{index}")
    for page in NUTRIENT_PAGES.values()
    for section in page.sections
    for index, claim in enumerate(section.claims)
]


def test_pages_exist_for_d3_mk4_mk7_and_k1():
    assert set(NUTRIENT_PAGES) == {"d3", "k2-mk4", "k2-mk7", "k1"}
    for code, page in NUTRIENT_PAGES.items():
        assert isinstance(page, NutrientPage)
        assert page.code == code
        assert page.title and page.intro
        assert [section.heading for section in page.sections] == ["What it does in the body" if code == "d3"
                                                                   else "What it is", "How much", "Safety", "Units"]


@pytest.mark.parametrize("claim", ALL_CLAIMS)
def test_every_claim_has_text_and_a_named_source(claim: Claim):
    assert claim.text.strip() and claim.text.strip()[-1] in ".)"
    assert claim.source.name.strip()
    assert claim.source.url.startswith("https://")
    # A source names an organisation or author and its year, unless it is updated in place (a fact sheet).
    assert re.search(r"\b(19|20)\d{2}\b", claim.source.name) or claim.source.name in UNDATED_SOURCES


def test_every_page_has_a_reviewed_date_and_a_linked_daily_value_source():
    for page in NUTRIENT_PAGES.values():
        assert isinstance(page.reviewed, date) and page.reviewed <= date.today()
        assert page.daily_value_source.url.startswith("https://ods.od.nih.gov/")


# Sources a shopper cannot check, or that only repeat others: never cited. Case-insensitive.
WEAK_SOURCES = ("research notes", "wikipedia", "counselling texts", "counseling texts", "secondary copy",
                "secondary source")


def _content_and_template_files() -> list[Path]:
    base = Path(settings.BASE_DIR)
    files = [CONTENT_PATH, *(base / "templates").rglob("*.html")]
    for app_dir in base.iterdir():
        if (app_dir / "templates").is_dir() and app_dir.name != ".venv":
            files += (app_dir / "templates").rglob("*.html")
        if (app_dir / "content").is_dir():
            files += (app_dir / "content").rglob("*")
    return [path for path in files if path.is_file()]


def test_no_weak_source_anywhere_in_the_content_or_templates():
    files = _content_and_template_files()
    assert CONTENT_PATH in files and len(files) > 20
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {weak!r}"
        for path in files
        for weak in WEAK_SOURCES
        if weak in path.read_text(encoding="utf-8").lower()
    ]
    assert found == []


def test_warfarin_advice_cites_the_official_vitamin_k_fact_sheet():
    claims = [claim for page in NUTRIENT_PAGES.values() for section in page.sections for claim in section.claims
              if "steady" in claim.text and "warfarin" in claim.text]
    assert {claim.source.url for claim in claims} == {"https://ods.od.nih.gov/factsheets/VitaminK-HealthProfessional/"}
    assert len(claims) >= 2


def test_a_source_without_an_https_link_stops_the_load(tmp_path):
    content = tmp_path / "pages.toml"
    content.write_text(
        CONTENT_PATH.read_text(encoding="utf-8").replace(
            'url = "https://doi.org/10.1182/blood-2006-08-040709"', 'url = "http://example.com/x"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(NutrientContentError, match=r"'SCHURGERS_2007': its url must be an https link"):
        load_nutrient_content(content)


def test_every_page_says_it_is_not_medical_advice():
    for page in NUTRIENT_PAGES.values():
        assert page.caveat == GENERAL_INFORMATION_CAVEAT
        assert "not medical advice" in page.caveat


def test_the_safety_sections_cover_the_limits_and_the_blood_thinner_warning():
    def safety_text(code: str) -> str:
        section = next(s for s in NUTRIENT_PAGES[code].sections if s.heading == "Safety")
        return " ".join(claim.text for claim in section.claims)

    assert "4,000 IU (100 mcg)" in safety_text("d3")
    assert "warfarin" in safety_text("k2-mk7")
    assert "warfarin" in safety_text("k2-mk4")


def test_mk4_is_never_given_the_prescription_dose_as_a_supplement_dose():
    texts = [claim.text for section in NUTRIENT_PAGES["k2-mk4"].sections for claim in section.claims]
    prescription = [text for text in texts if "45 mg" in text]
    assert prescription
    assert all("prescription" in text or "no effect" in text for text in prescription)


def test_a_claim_citing_an_unknown_source_stops_the_load_with_its_place(tmp_path):
    content = tmp_path / "pages.toml"
    content.write_text(
        CONTENT_PATH.read_text(encoding="utf-8").replace('source = "SCHURGERS_2007"', 'source = "SCHURGERS_2077"'),
        encoding="utf-8",
    )
    with pytest.raises(NutrientContentError, match=r"page 'k2-mk7'.*'SCHURGERS_2077', not in \[sources\]"):
        load_nutrient_content(content)


def test_the_content_version_follows_the_file(tmp_path):
    content = tmp_path / "pages.toml"
    content.write_text(CONTENT_PATH.read_text(encoding="utf-8").replace("natto", "Natto"), encoding="utf-8")
    edited = load_nutrient_content(content)
    assert edited.version != load_nutrient_content().version
    assert edited.pages.keys() == NUTRIENT_PAGES.keys()
