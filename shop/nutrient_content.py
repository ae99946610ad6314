"""What the nutrient pages say about vitamin D3, K2 MK-4 and K2 MK-7.

Every sentence is a ``Claim`` that names its source (organisation or first author, and year).
The text paraphrases the shop's research notes; nothing here goes beyond them. Where the notes
only had a secondary copy of a source, the source text says so.
"""
from __future__ import annotations

from dataclasses import dataclass

GENERAL_INFORMATION_CAVEAT = (
    "This page is general information, not medical advice. It does not replace a clinician, who should "
    "decide for anyone who is pregnant, breastfeeding, under 18, has a medical condition or takes medication."
)

# Sources named once, so the same study is always cited the same way.
IOM_2011 = "Institute of Medicine (IOM), Dietary Reference Intakes for Calcium and Vitamin D, 2011"
ROSS_2011 = "Ross AC et al., J Clin Endocrinol Metab, 2011 (summary of the IOM 2011 report)"
AHRQ_2018 = "AHRQ/USPSTF evidence review, 2018 (NBK525404, restating IOM 2011)"
EFSA_2023 = "EFSA NDA Panel, scientific opinion on the vitamin D upper intake level, 2023"
ES_2011 = "Endocrine Society guideline (Holick MF et al.), 2011"
ES_2024 = "Endocrine Society guideline (Demay MB et al.), 2024"
IOM_1997 = "Institute of Medicine (IOM), Dietary Reference Intakes, 1997"
ODS_D = "NIH Office of Dietary Supplements, Vitamin D fact sheet (secondary copy)"
ODS_K = "NIH Office of Dietary Supplements, Vitamin K fact sheet, Table 2 (secondary copy)"
FDA_LABELS = "FDA drug labels for ergocalciferol (openFDA); IOM 1997 DRI tables"
UCSF_LAB = "UCSF Clinical Laboratories lab manual, 25-hydroxy vitamin D test"
CDC_NHANES = "CDC NHANES laboratory documentation, citing Mawer et al., 1972"
VIETH_2011 = "Vieth R, The Pharmacology of Vitamin D, in Vitamin D 3rd ed., 2011 (secondary copy)"
EKWARU_2014 = "Ekwaru JP et al., PLoS ONE, 2014"
MARCINOWSKA_2018 = "Marcinowska-Suchowierska E et al., Front Endocrinol, 2018"
AACB = "AACB review of vitamin D upper limits (PMC7731935)"
FRIEDL_2017 = "Friedl C, Zitt E, Int J Nephrol Renovasc Dis, 2017"
EXAMINE_2024 = "Examine.com, 'Do vitamin D supplements interact with any medications?', 2024"
IOM_2001 = "Institute of Medicine (IOM), Dietary Reference Intakes for vitamin K, 2001"
BOOTH_2012 = "Booth SL, Food Nutr Res, 2012"
WALTHER_2017 = "Walther B, Chollet M, IntechOpen, 2017; Linus Pauling Institute, vitamin K"
SCHURGERS_2007 = "Schurgers LJ et al., Blood, 2007"
SATO_2012 = "Sato T et al., Nutr J, 2012"
KNAPEN_2013 = "Knapen MHJ et al., Osteoporos Int, 2013"
CHINESE_RCT_2021 = "Randomised trial in China, n = 311 (ChiCTR1800019240), 2021"
THEUWISSEN_2013 = "Theuwissen E et al., J Thromb Haemost, 2013"
KOITAYA_2014 = "Koitaya N et al., J Bone Miner Metab, 2014"
NAKAMURA_2014 = "Nakamura E et al., Nutr J, 2014"
JIANG_2014 = "Jiang Y et al., Clin Interv Aging, 2014"
BINKLEY_2009 = "Binkley N et al., J Bone Miner Res, 2009"
SU_2019 = "Su S et al., Osteoporos Int, 2019"
IOM_2001_K1_K2 = "IOM 2001 vitamin K intake values, as summarised in Wikipedia's vitamin K2 text (secondary copy)"
WARFARIN_COUNSELLING = "Standard warfarin counselling texts (secondary sources)"
NO_SOURCE_FOUND = "VitaShop research notes: no authoritative statement was found"

# The research notes give no publication year for these; every other source carries one.
UNDATED_SOURCES = frozenset({ODS_D, ODS_K, UCSF_LAB, AACB, WARFARIN_COUNSELLING, NO_SOURCE_FOUND})


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
    caveat: str = GENERAL_INFORMATION_CAVEAT


# Both K2 forms share this gap in the evidence, and both pages say so in the same words.
K2_PREGNANCY_AND_CHILDHOOD_UNKNOWN = Claim(
    "No authoritative statement on the safety of K2 supplements in pregnancy, breastfeeding or "
    "childhood was found, so ask a clinician first.",
    NO_SOURCE_FOUND,
)


D3_PAGE = NutrientPage(
    code="d3",
    title="Vitamin D3 (cholecalciferol)",
    intro=(
        "Vitamin D3 is the form of vitamin D in most supplements. Here is what the official bodies say about "
        "how much people need, where the safe upper limit lies, and who should ask a clinician first."
    ),
    sections=(
        Section(
            heading="What it does in the body",
            claims=(
                Claim(
                    "Vitamin D taken in lasts only a day or two in the blood before it is stored in fat or turned "
                    "by the liver into 25-hydroxyvitamin D, the form a blood test measures.",
                    CDC_NHANES,
                ),
                Claim("25-hydroxyvitamin D has a half-life of about 15 days in the blood.", ODS_D),
                Claim(
                    "A blood level below 12 ng/mL (30 nmol/L) puts bone health at risk: rickets in children, "
                    "osteomalacia in adults. At 20 ng/mL (50 nmol/L) or more, the level is adequate for bone "
                    "health in nearly everyone. Above 50 ng/mL (125 nmol/L) it may be a concern.",
                    AHRQ_2018,
                ),
                Claim(
                    "The 2024 Endocrine Society guideline no longer endorses any blood-level cut-offs, and advises "
                    "against routine testing in healthy people.",
                    ES_2024,
                ),
            ),
        ),
        Section(
            heading="How much",
            claims=(
                Claim(
                    "The recommended daily amount is 600 IU (15 mcg) from age 1 to 70 and 800 IU (20 mcg) over "
                    "70, assuming little sun.",
                    IOM_2011,
                ),
                Claim(
                    "These amounts were set so that 97.5% of people reach a blood level of at least 20 ng/mL "
                    "(50 nmol/L).",
                    ROSS_2011,
                ),
                Claim(
                    "For healthy adults under 75 the 2024 Endocrine Society guideline advises staying at the "
                    "recommended daily amount rather than taking more, and prefers a daily dose to large, "
                    "occasional ones.",
                    ES_2024,
                ),
                Claim(
                    "The earlier 2011 Endocrine Society guideline suggested 1,500–2,000 IU a day for adults to keep "
                    "the blood level above 30 ng/mL; it has since been replaced.",
                    ES_2011,
                ),
                Claim(
                    "A rough rule of thumb is a rise of about 1 ng/mL in the blood level for every 100 IU a day, "
                    "at low doses.",
                    VIETH_2011,
                ),
                Claim(
                    "The rise per dose gets smaller at higher doses, and people who are overweight or obese reach "
                    "lower levels on the same dose.",
                    EKWARU_2014,
                ),
            ),
        ),
        Section(
            heading="Safety",
            claims=(
                Claim(
                    "The upper limit for adults, including in pregnancy and breastfeeding, is 4,000 IU (100 mcg) "
                    "a day from all sources.",
                    IOM_2011,
                ),
                Claim("The European upper limit for adults is also 100 mcg (4,000 IU) a day.", EFSA_2023),
                Claim(
                    "Too much vitamin D raises blood calcium, which can cause confusion, vomiting, stomach pain, "
                    "thirst, passing a lot of urine, and kidney damage or stones. A blood level above 150 ng/mL "
                    "(375 nmol/L) is the mark of overdose.",
                    MARCINOWSKA_2018,
                ),
                Claim(
                    "The upper limit is for healthy people only. In sarcoidosis, tuberculosis and other "
                    "granulomatous diseases, blood calcium can rise even at normal vitamin D intakes.",
                    IOM_1997,
                ),
                Claim(
                    "The upper limit does not apply to people with primary hyperparathyroidism, high blood calcium "
                    "or familial hypocalciuric hypercalcaemia.",
                    AACB,
                ),
                Claim(
                    "In chronic kidney disease, vitamin D is part of care managed by the kidney team.",
                    FRIEDL_2017,
                ),
                Claim(
                    "Thiazide diuretics (such as hydrochlorothiazide) together with vitamin D can raise blood "
                    "calcium, more so in older adults and people with kidney problems. Orlistat and bile-acid "
                    "sequestrants lower absorption, and corticosteroids disturb vitamin D metabolism.",
                    EXAMINE_2024,
                ),
            ),
        ),
        Section(
            heading="Units",
            claims=(
                Claim("1 mcg of vitamin D is 40 IU, so 1,000 IU is 25 mcg.", FDA_LABELS),
                Claim(
                    "Blood levels come in ng/mL or nmol/L: multiply ng/mL by 2.496 to get nmol/L "
                    "(20 ng/mL is 49.9 nmol/L).",
                    UCSF_LAB,
                ),
            ),
        ),
    ),
)

K2_MK7_PAGE = NutrientPage(
    code="k2-mk7",
    title="Vitamin K2 as MK-7 (menaquinone-7)",
    intro=(
        "MK-7 is the form of vitamin K2 found in natto and in most K2 supplements. Here is what is known "
        "about how it behaves, the doses that have been studied, and why anyone on a blood thinner must "
        "ask first."
    ),
    sections=(
        Section(
            heading="What it is",
            claims=(
                Claim(
                    "Vitamin K2 (the menaquinones) is mostly made by bacteria and found in fermented foods and "
                    "animal products.",
                    WALTHER_2017,
                ),
                Claim(
                    "Vitamin K1 comes from plants and is the main form in the diet; green leafy vegetables supply "
                    "about 60% of it.",
                    BOOTH_2012,
                ),
                Claim("Natto gives about 850 mcg of MK-7 in a 3 oz serving.", ODS_K),
                Claim(
                    "MK-7 peaks in the blood about 4 hours after a dose, stays for a very long time, and builds "
                    "up 7–8-fold with daily use. In the same study it carboxylated the bone protein osteocalcin "
                    "more completely than vitamin K1.",
                    SCHURGERS_2007,
                ),
                Claim(
                    "At everyday doses MK-7 clearly raised blood MK-7 levels, while the same doses of MK-4 did "
                    "not show up in the blood.",
                    SATO_2012,
                ),
            ),
        ),
        Section(
            heading="How much",
            claims=(
                Claim(
                    "The adequate intake of vitamin K (all forms) is 120 mcg a day for men and 90 mcg a day for "
                    "women; no upper limit has been set.",
                    IOM_2001,
                ),
                Claim(
                    "180 mcg of MK-7 a day for 3 years in 244 healthy postmenopausal women led to less "
                    "age-related loss of bone density and bone strength.",
                    KNAPEN_2013,
                ),
                Claim(
                    "90 mcg of MK-7 a day for a year reduced bone loss at the hip in postmenopausal women, but "
                    "not in men.",
                    CHINESE_RCT_2021,
                ),
                Claim("45 mcg has been described as the usual retail dose of MK-7.", THEUWISSEN_2013),
            ),
        ),
        Section(
            heading="Safety",
            claims=(
                Claim(
                    "MK-7 interferes with vitamin K antagonists such as warfarin or acenocoumarol even at very low "
                    "doses: 10–20 mcg a day changed blood clotting in a clinically relevant way in many people. "
                    "People on these drugs should avoid MK-7 supplements.",
                    THEUWISSEN_2013,
                ),
                Claim(
                    "Anyone taking any anticoagulant or antiplatelet medicine should ask their prescriber before "
                    "taking vitamin K in any form.",
                    WARFARIN_COUNSELLING,
                ),
                K2_PREGNANCY_AND_CHILDHOOD_UNKNOWN,
            ),
        ),
        Section(
            heading="Units",
            claims=(
                Claim("Vitamin K intake values and labels are given in micrograms (mcg).", IOM_2001),
                Claim(
                    "The intake values make no distinction between K1 and K2: both count as vitamin K.",
                    IOM_2001_K1_K2,
                ),
            ),
        ),
    ),
)

K2_MK4_PAGE = NutrientPage(
    code="k2-mk4",
    title="Vitamin K2 as MK-4 (menatetrenone)",
    intro=(
        "MK-4 is the form of vitamin K2 that animals make in their own tissues. Its studied doses are much "
        "larger than those of MK-7, and the two are not interchangeable microgram for microgram."
    ),
    sections=(
        Section(
            heading="What it is",
            claims=(
                Claim(
                    "MK-4 is the one menaquinone that animals make in their own tissues, from vitamin K1 or "
                    "menadione.",
                    WALTHER_2017,
                ),
                Claim(
                    "It is found in animal foods: a 3 oz serving of rotisserie chicken breast gives about 13 mcg, "
                    "a large hard-boiled egg about 4 mcg.",
                    ODS_K,
                ),
                Claim(
                    "At everyday doses (a single 420 mcg dose, or 60 mcg a day for a week) MK-4 did not measurably "
                    "raise blood MK-4, while MK-7 at the same doses did. So the two forms are dosed differently.",
                    SATO_2012,
                ),
            ),
        ),
        Section(
            heading="How much",
            claims=(
                Claim(
                    "1.5 mg (1,500 mcg) of MK-4 a day for 12 months lowered undercarboxylated osteocalcin and "
                    "prevented loss of forearm bone density in postmenopausal Japanese women.",
                    KOITAYA_2014,
                ),
                Claim(
                    "In young men, 600 mcg a day or more lowered undercarboxylated osteocalcin.",
                    NAKAMURA_2014,
                ),
                Claim(
                    "45 mg a day is a prescription osteoporosis drug dose in Japan, not a supplement dose.",
                    JIANG_2014,
                ),
                Claim(
                    "Across 18 trials of MK-4, bone density in the spine improved, but whether fractures are "
                    "prevented is uncertain.",
                    SU_2019,
                ),
                Claim(
                    "In North American postmenopausal women already taking calcium and vitamin D, 45 mg of MK-4 "
                    "a day had no effect on bone density after 12 months.",
                    BINKLEY_2009,
                ),
                Claim(
                    "The adequate intake of vitamin K (all forms) is 120 mcg a day for men and 90 mcg a day for "
                    "women; no upper limit has been set.",
                    IOM_2001,
                ),
            ),
        ),
        Section(
            heading="Safety",
            claims=(
                Claim(
                    "If you take warfarin or another blood thinner, keep your vitamin K intake steady and ask your "
                    "prescriber before starting any vitamin K supplement.",
                    WARFARIN_COUNSELLING,
                ),
                K2_PREGNANCY_AND_CHILDHOOD_UNKNOWN,
            ),
        ),
        Section(
            heading="Units",
            claims=(
                Claim(
                    "Vitamin K intake values and labels are given in micrograms (mcg); 1 mg is 1,000 mcg, so the "
                    "studied 1.5 mg dose is 1,500 mcg.",
                    IOM_2001,
                ),
            ),
        ),
    ),
)

NUTRIENT_PAGES: dict[str, NutrientPage] = {page.code: page for page in (D3_PAGE, K2_MK4_PAGE, K2_MK7_PAGE)}
