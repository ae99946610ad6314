"""The nutrient pages' content: three pages, every claim sourced, no advice beyond the notes."""
from __future__ import annotations

import re

import pytest

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


def test_pages_exist_for_d3_mk4_and_mk7():
    assert set(NUTRIENT_PAGES) == {"d3", "k2-mk4", "k2-mk7"}
    for code, page in NUTRIENT_PAGES.items():
        assert isinstance(page, NutrientPage)
        assert page.code == code
        assert page.title and page.intro
        assert [section.heading for section in page.sections] == ["What it does in the body" if code == "d3"
                                                                   else "What it is", "How much", "Safety", "Units"]


@pytest.mark.parametrize("claim", ALL_CLAIMS)
def test_every_claim_has_text_and_a_named_source(claim: Claim):
    assert claim.text.strip() and claim.text.strip()[-1] in ".)"
    assert claim.source.strip()
    # A source names an organisation or author and its year, unless the research notes give none.
    assert re.search(r"\b(19|20)\d{2}\b", claim.source) or claim.source in UNDATED_SOURCES


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
