"""The demo catalog: the four nutrients, 35 fictional products with drawn label pictures, and food
sources with per-serving amounts from the NIH ODS fact sheets.

``load_demo_catalog()`` is idempotent. Rows are matched by their natural key (nutrient code, SKU,
food slug) and only written when a value differs, so a re-run writes nothing. Stock is created
with the listed quantity only for a product that has no stock row yet: once it exists, orders
(allocated) and supplier feeds (on hand) own it, and a re-run must not undo either. A product
that already has an image keeps it; only products without one get a drawn label.

Other apps add their own demo data to it by receiving ``demo_catalog_loaded`` (stock sync: the demo
supplier), so the shop knows nothing of them.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.dispatch import Signal
from django.utils.text import slugify

from shop.demo_label import draw_demo_label
from shop.models import (
    IU_PER_MCG_VITAMIN_D,
    FoodNutrientAmount,
    FoodSource,
    Nutrient,
    Product,
    ProductImage,
    ProductNutrient,
    Stock,
)
from shop.services.images import product_image_create

# Sent by ``manage.py load_demo_catalog`` after the catalog is in. Each receiver loads its app's demo
# data (idempotently) and returns one line for the command to print.
demo_catalog_loaded = Signal()

ODS_VITAMIN_D = "NIH ODS Vitamin D fact sheet, Table 3"
ODS_VITAMIN_K = "NIH ODS Vitamin K fact sheet, Table 2"
K2_VARIES_NOTE = "K2 content varies with region and animal feed, so treat this figure as approximate."

# code: (name, short name, sort order, summary). Names match tests/factories.py.
NUTRIENTS: dict[str, tuple[str, str, int, str]] = {
    "d3": (
        "Vitamin D3",
        "D3",
        1,
        "Cholecalciferol. Adults need 600 IU (15 mcg) a day, 800 IU over 70; the adult upper limit is "
        "4,000 IU (100 mcg) a day from all sources (IOM 2011).",
    ),
    "k2-mk4": (
        "Vitamin K2 (MK-4)",
        "MK-4",
        2,
        "Menaquinone-4, the K2 form animals make in their tissues. Studied at 1,500 mcg (1.5 mg) a day "
        "(Koitaya 2014); not interchangeable with MK-7 microgram for microgram (Sato 2012).",
    ),
    "k2-mk7": (
        "Vitamin K2 (MK-7)",
        "MK-7",
        3,
        "Menaquinone-7, the long-lasting K2 form found in natto. Studied at 90 and 180 mcg a day "
        "(Knapen 2013). Avoid it if you take warfarin or a similar blood thinner (Theuwissen 2013).",
    ),
    "k1": (
        "Vitamin K1",
        "K1",
        4,
        "Phylloquinone, the vitamin K in green leafy vegetables. Adequate intake of vitamin K: 120 mcg a day "
        "for men, 90 mcg for women (IOM 2001).",
    ),
}


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    brand: str
    name: str
    form: str
    doses: dict[str, Decimal]  # nutrient code -> mcg per serving
    serving_size: str
    servings: int
    price: Decimal
    pack: str  # what the label says about the contents, e.g. "120 softgels"
    on_hand: int
    note: str
    featured: bool = False
    active: bool = True

    @property
    def slug(self) -> str:
        return slugify(f"{self.brand} {self.name}")


def _p(sku, brand, name, form, doses, serving_size, servings, price, pack, on_hand, note, **flags) -> DemoProduct:
    return DemoProduct(
        sku=sku, brand=brand, name=name, form=form,
        doses={code: Decimal(str(mcg)) for code, mcg in doses.items()},
        serving_size=serving_size, servings=servings, price=Decimal(price), pack=pack, on_hand=on_hand,
        note=note, **flags,
    )


NL, SL, FF, KR, MV = "Northlight", "Solstice Labs", "Fjord & Field", "Kinetic Roots", "Meadowvale"

PRODUCTS: tuple[DemoProduct, ...] = (
    # Vitamin D3 alone.
    _p("NL-D3-1000-SG", NL, "Vitamin D3 1,000 IU Softgels", "softgel", {"d3": 25}, "1 softgel", 120, "9.50",
       "120 softgels", 180, "Cholecalciferol in olive oil."),
    _p("NL-D3-2000-SG", NL, "Vitamin D3 2,000 IU Softgels", "softgel", {"d3": 50}, "1 softgel", 180, "12.90",
       "180 softgels", 240, "Cholecalciferol in olive oil.", featured=True),
    _p("NL-D3-5000-SG", NL, "Vitamin D3 5,000 IU Softgels", "softgel", {"d3": 125}, "1 softgel", 120, "13.50",
       "120 softgels", 90, "Cholecalciferol in olive oil."),
    _p("NL-D3-10000-SG", NL, "Vitamin D3 10,000 IU Softgels", "softgel", {"d3": 250}, "1 softgel", 60, "12.50",
       "60 softgels", 40, "Cholecalciferol in olive oil."),
    _p("SL-D3-400-DR", SL, "Vitamin D3 Drops 400 IU", "drops", {"d3": 10}, "1 drop", 365, "11.00",
       "10 mL · 365 drops", 60, "Cholecalciferol in MCT oil, unflavoured."),
    _p("SL-D3-1000-SP", SL, "Vitamin D3 Oral Spray 1,000 IU", "spray", {"d3": 25}, "1 spray", 100, "14.50",
       "15 mL · 100 sprays", 3, "A light mint-flavoured spray."),
    _p("FF-D3-1000-TB", FF, "Vitamin D3 1,000 IU Tablets", "tablet", {"d3": 25}, "1 tablet", 365, "10.90",
       "365 tablets", 300, "Small tablets that can be split."),
    _p("FF-D3-2000-GU", FF, "Vitamin D3 2,000 IU Gummies", "gummy", {"d3": 50}, "2 gummies", 60, "15.90",
       "120 gummies", 120, "Orange-flavoured gummies; each gummy gives 1,000 IU."),
    _p("KR-D3-4000-CP", KR, "Vegan D3 4,000 IU Capsules", "capsule", {"d3": 100}, "1 capsule", 90, "16.50",
       "90 capsules", 0, "Vitamin D3 from lichen, in a plant-based capsule."),
    _p("KR-D3-1000-PW", KR, "Vitamin D3 Drink Powder 1,000 IU", "powder", {"d3": 25}, "1 scoop (3 g)", 30,
       "17.90", "90 g powder", 50, "Unflavoured powder that dissolves in water or juice."),
    _p("MV-D3-800-TB", MV, "Vitamin D3 800 IU Chewable Tablets", "tablet", {"d3": 20}, "1 tablet", 90, "8.90",
       "90 chewable tablets", 150, "Lemon-flavoured chewable tablets."),
    _p("MV-D3-2000-DR", MV, "Vitamin D3 Drops 2,000 IU", "drops", {"d3": 50}, "2 drops", 180, "13.90",
       "10 mL · 360 drops", 2, "Cholecalciferol in MCT oil; each drop gives 1,000 IU."),
    # Vitamin K2 as MK-7 alone.
    _p("NL-MK7-100-SG", NL, "Vitamin K2 MK-7 100 mcg Softgels", "softgel", {"k2-mk7": 100}, "1 softgel", 120,
       "16.90", "120 softgels", 110, "Menaquinone-7 from natto, in olive oil."),
    _p("SL-MK7-45-DR", SL, "Vitamin K2 MK-7 Drops 45 mcg", "drops", {"k2-mk7": 45}, "3 drops", 100, "15.50",
       "10 mL · 300 drops", 70, "Menaquinone-7 in MCT oil; each drop gives 15 mcg."),
    _p("FF-MK7-180-CP", FF, "Natto K2 MK-7 180 mcg Capsules", "capsule", {"k2-mk7": 180}, "1 capsule", 60,
       "19.90", "60 capsules", 85, "Menaquinone-7 from natto."),
    _p("KR-MK7-90-TB", KR, "Vitamin K2 MK-7 90 mcg Tablets", "tablet", {"k2-mk7": 90}, "1 tablet", 90, "14.50",
       "90 tablets", 0, "Menaquinone-7 from chickpea fermentation."),
    _p("KR-MK7-90-GU", KR, "Vitamin K2 MK-7 Gummies 90 mcg", "gummy", {"k2-mk7": 90}, "2 gummies", 30, "13.90",
       "60 gummies", 4, "Berry-flavoured gummies; each gummy gives 45 mcg."),
    _p("MV-MK7-200-CP", MV, "Vitamin K2 MK-7 200 mcg Capsules", "capsule", {"k2-mk7": 200}, "1 capsule", 60,
       "21.50", "60 capsules", 45, "Menaquinone-7 from natto."),
    # Vitamin K2 as MK-4 alone.
    _p("NL-MK4-1500-CP", NL, "Vitamin K2 MK-4 1,500 mcg Capsules", "capsule", {"k2-mk4": 1500}, "1 capsule", 60,
       "24.90", "60 capsules", 75, "Menatetrenone at the 1.5 mg daily amount used in a 12-month study."),
    _p("FF-MK4-1000-TB", FF, "Vitamin K2 MK-4 1,000 mcg Tablets", "tablet", {"k2-mk4": 1000}, "1 tablet", 90,
       "22.50", "90 tablets", 60, "Menatetrenone tablets."),
    _p("SL-MK4-1500-DR", SL, "Vitamin K2 MK-4 Drops 1,500 mcg", "drops", {"k2-mk4": 1500}, "5 drops", 30, "26.00",
       "10 mL · 150 drops", 1, "Menatetrenone in MCT oil; each drop gives 300 mcg."),
    _p("MV-MK4-500-SG", MV, "Vitamin K2 MK-4 500 mcg Softgels", "softgel", {"k2-mk4": 500}, "1 softgel", 90,
       "18.50", "90 softgels", 0, "Menatetrenone in olive oil."),
    # D3 + K2 MK-7.
    _p("NL-D3K7-1000-90-SG", NL, "D3 + K2 MK-7 1,000 IU / 90 mcg Softgels", "softgel", {"d3": 25, "k2-mk7": 90},
       "1 softgel", 120, "17.90", "120 softgels", 200, "Both vitamins in one olive-oil softgel.", featured=True),
    _p("NL-D3K7-2000-100-DR", NL, "D3 + K2 MK-7 Drops 2,000 IU / 100 mcg", "drops", {"d3": 50, "k2-mk7": 100},
       "4 drops", 75, "18.90", "10 mL · 300 drops", 130, "Both vitamins in MCT oil; each drop gives a quarter."),
    _p("SL-D3K7-5000-100-SG", SL, "D3 + K2 MK-7 5,000 IU / 100 mcg Softgels", "softgel",
       {"d3": 125, "k2-mk7": 100}, "1 softgel", 120, "21.90", "120 softgels", 95, "Both vitamins in one softgel."),
    _p("SL-D3K7-1000-45-SP", SL, "D3 + K2 MK-7 Oral Spray 1,000 IU / 45 mcg", "spray", {"d3": 25, "k2-mk7": 45},
       "2 sprays", 60, "19.50", "15 mL · 120 sprays", 70, "A light mint-flavoured spray."),
    _p("FF-D3K7-2000-180-CP", FF, "D3 + K2 MK-7 2,000 IU / 180 mcg Capsules", "capsule",
       {"d3": 50, "k2-mk7": 180}, "1 capsule", 90, "23.90", "90 capsules", 140, "Natto-derived MK-7 with D3.",
       featured=True),
    _p("KR-D3K7-1000-100-GU", KR, "D3 + K2 MK-7 Gummies 1,000 IU / 100 mcg", "gummy", {"d3": 25, "k2-mk7": 100},
       "2 gummies", 30, "16.90", "60 gummies", 90, "Citrus-flavoured gummies; each gummy gives half."),
    _p("KR-D3K7-2000-100-PW", KR, "D3 + K2 MK-7 Drink Powder 2,000 IU / 100 mcg", "powder",
       {"d3": 50, "k2-mk7": 100}, "1 scoop (5 g)", 30, "24.50", "150 g powder", 40,
       "Unflavoured powder that dissolves in water or juice."),
    _p("MV-D3K7-600-90-TB", MV, "D3 + K2 MK-7 600 IU / 90 mcg Tablets", "tablet", {"d3": 15, "k2-mk7": 90},
       "1 tablet", 180, "15.50", "180 tablets", 160, "The recommended daily amount of D3 for adults up to 70."),
    _p("MV-D3K7-4000-200-SG", MV, "D3 + K2 MK-7 4,000 IU / 200 mcg Softgels", "softgel",
       {"d3": 100, "k2-mk7": 200}, "1 softgel", 90, "22.90", "90 softgels", 55, "Both vitamins in one softgel."),
    # D3 + K2 MK-4.
    _p("NL-D3K4-1000-1500-CP", NL, "D3 + K2 MK-4 1,000 IU / 1,500 mcg Capsules", "capsule",
       {"d3": 25, "k2-mk4": 1500}, "1 capsule", 60, "27.90", "60 capsules", 65,
       "MK-4 at the 1.5 mg daily amount used in a 12-month study, with D3.", featured=True),
    _p("FF-D3K4-2000-1500-SG", FF, "D3 + K2 MK-4 2,000 IU / 1,500 mcg Softgels", "softgel",
       {"d3": 50, "k2-mk4": 1500}, "1 softgel", 90, "32.50", "90 softgels", 35, "Both vitamins in olive oil."),
    _p("SL-D3K4-1000-1000-DR", SL, "D3 + K2 MK-4 Drops 1,000 IU / 1,000 mcg", "drops",
       {"d3": 25, "k2-mk4": 1000}, "4 drops", 60, "24.90", "10 mL · 240 drops", 50,
       "Both vitamins in MCT oil; each drop gives a quarter."),
    # Kept to show how a discontinued product behaves: hidden from shoppers.
    _p("MV-D3-400-GU", MV, "Vitamin D3 400 IU Gummies (discontinued)", "gummy", {"d3": 10}, "1 gummy", 60, "7.90",
       "60 gummies", 0, "No longer made.", active=False),
)


@dataclass(frozen=True)
class DemoFood:
    name: str
    serving: str
    amounts: dict[str, tuple[Decimal, str]]  # nutrient code -> (mcg per serving, source)
    note: str = ""

    @property
    def slug(self) -> str:
        return slugify(self.name)


def _d(mcg) -> tuple[Decimal, str]:
    return Decimal(str(mcg)), ODS_VITAMIN_D


def _k(mcg) -> tuple[Decimal, str]:
    return Decimal(str(mcg)), ODS_VITAMIN_K


FOODS: tuple[DemoFood, ...] = (
    # Vitamin D (ODS Table 3); where the K table lists the same food and serving, its K2 is added.
    DemoFood("Cod liver oil", "1 tbsp", {"d3": _d(34.0)}),
    DemoFood("Rainbow trout, farmed, cooked", "3 oz (85 g)", {"d3": _d(16.2)}),
    DemoFood("Sockeye salmon, cooked", "3 oz (85 g)", {"d3": _d(14.2), "k2-mk4": _k(0.3)},
             "The vitamin K figure is the fact sheet's value for salmon in general."),
    DemoFood("White mushrooms, raw, UV-exposed", "½ cup", {"d3": _d(9.2)},
             "Only mushrooms exposed to UV light carry this much."),
    DemoFood("Milk, 2% fat, vitamin D fortified", "1 cup", {"d3": _d(2.9), "k2-mk4": _k(1)}),
    DemoFood("Soy, almond or oat milk, vitamin D fortified", "1 cup", {"d3": _d(2.5)},
             "Fortified plant milks carry 2.5–3.6 mcg (100–144 IU) per cup depending on the brand; the lower "
             "figure is shown."),
    DemoFood("Breakfast cereal, fortified with 10% DV", "1 serving", {"d3": _d(2.0)}),
    DemoFood("Sardines, Atlantic, canned in oil", "2 sardines", {"d3": _d(1.2)}),
    DemoFood("Egg, scrambled", "1 large egg", {"d3": _d(1.1)}, "The vitamin D is in the yolk."),
    DemoFood("Beef liver, braised", "3 oz (85 g)", {"d3": _d(1.0)}),
    DemoFood("Light tuna, canned in water", "3 oz (85 g)", {"d3": _d(1.0)}),
    DemoFood("Cheddar cheese", "1.5 oz (42 g)", {"d3": _d(0.4), "k2-mk4": _k(4)}, K2_VARIES_NOTE),
    DemoFood("Portabella mushrooms, raw", "½ cup, diced", {"d3": _d(0.1)}),
    DemoFood("Chicken breast, roasted", "3 oz (85 g)", {"d3": _d(0.1)}),
    # Vitamin K (ODS Table 2).
    DemoFood("Natto", "3 oz (85 g)", {"k2-mk7": _k(850)}, "Fermented soybeans; the richest food source of MK-7."),
    DemoFood("Collard greens, frozen, boiled", "½ cup", {"k1": _k(530)}),
    DemoFood("Turnip greens, frozen, boiled", "½ cup", {"k1": _k(426)}),
    DemoFood("Spinach, raw", "1 cup", {"k1": _k(145)}),
    DemoFood("Kale, raw", "1 cup", {"k1": _k(113)}),
    DemoFood("Broccoli, chopped, boiled", "½ cup", {"k1": _k(110)}),
    DemoFood("Soybeans, roasted", "½ cup", {"k1": _k(43)}),
    DemoFood("Carrot juice", "¾ cup", {"k1": _k(28)}),
    DemoFood("Soybean oil", "1 tbsp", {"k1": _k(25)}),
    DemoFood("Edamame, frozen, prepared", "½ cup", {"k1": _k(21)}),
    DemoFood("Chicken breast, rotisserie", "3 oz (85 g)", {"k2-mk4": _k(13)}, K2_VARIES_NOTE),
    DemoFood("Ground beef, broiled", "3 oz (85 g)", {"k2-mk4": _k(6)}, K2_VARIES_NOTE),
    DemoFood("Chicken liver, braised", "3 oz (85 g)", {"k2-mk4": _k(6)}, K2_VARIES_NOTE),
    DemoFood("Egg, hard-boiled", "1 large egg", {"k2-mk4": _k(4)}, K2_VARIES_NOTE),
    DemoFood("Mozzarella cheese", "1.5 oz (42 g)", {"k2-mk4": _k(2)}, K2_VARIES_NOTE),
)


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


@dataclass
class DemoCatalogSummary:
    nutrients: UpsertCounts = field(default_factory=UpsertCounts)
    products: UpsertCounts = field(default_factory=UpsertCounts)
    product_amounts: UpsertCounts = field(default_factory=UpsertCounts)
    stock_created: int = 0
    images_created: int = 0
    foods: UpsertCounts = field(default_factory=UpsertCounts)
    food_amounts: UpsertCounts = field(default_factory=UpsertCounts)

    @property
    def changed_anything(self) -> bool:
        counts = (self.nutrients, self.products, self.product_amounts, self.foods, self.food_amounts)
        return self.stock_created > 0 or self.images_created > 0 or any(c.created or c.updated for c in counts)

    def lines(self) -> list[str]:
        return [
            f"Nutrients: {self.nutrients}",
            f"Products: {self.products}",
            f"Product amounts: {self.product_amounts}",
            f"Stock rows created: {self.stock_created} (existing stock is never touched)",
            f"Product images drawn: {self.images_created}",
            f"Foods: {self.foods}",
            f"Food amounts: {self.food_amounts}",
        ]


def _upsert(model: type[models.Model], existing: models.Model | None, lookup: dict, values: dict):
    """Create the row, or write only the fields that differ. Returns (row, outcome)."""
    if existing is None:
        return model.objects.create(**lookup, **values), "created"
    changed = [name for name, value in values.items() if getattr(existing, name) != value]
    if not changed:
        return existing, "unchanged"
    for name in changed:
        setattr(existing, name, values[name])
    existing.save()
    return existing, "updated"


def _dose_text(doses: dict[str, Decimal]) -> str:
    parts = []
    if "d3" in doses:
        parts.append(f"{int(doses['d3'] * IU_PER_MCG_VITAMIN_D):,} IU D3")
    for code, label in (("k2-mk7", "K2 MK-7"), ("k2-mk4", "K2 MK-4")):
        if code in doses:
            parts.append(f"{int(doses[code]):,} mcg {label}")
    return " + ".join(parts)


def _description(item: DemoProduct) -> str:
    sentences = [f"{_dose_text(item.doses)} per serving of {item.serving_size}.", item.note]
    sentences.append(f"{item.servings} servings; one serving a day unless your clinician advises otherwise.")
    d3_iu = item.doses.get("d3", Decimal(0)) * IU_PER_MCG_VITAMIN_D
    if d3_iu > 4000:
        sentences.append(
            "This is above the adult upper limit of 4,000 IU (100 mcg) of vitamin D a day (IOM 2011): "
            "take it only if a clinician has told you to."
        )
    elif d3_iu == 4000:
        sentences.append(
            "This is the whole adult upper limit of 4,000 IU (100 mcg) of vitamin D a day from all sources "
            "(IOM 2011)."
        )
    if "k2-mk7" in item.doses or "k2-mk4" in item.doses:
        sentences.append(
            "Contains vitamin K: if you take warfarin or any other blood thinner, do not take it without "
            "asking your prescriber (Theuwissen 2013)."
        )
    return " ".join(sentences)


# What the fictional labels list besides the vitamins, by form. The carrier oil comes from the
# product's note, so the two never disagree.
_FORM_INGREDIENTS = {
    "softgel": "softgel shell (bovine gelatin, glycerin, purified water)",
    "capsule": "rice flour, capsule shell (hypromellose)",
    "tablet": "microcrystalline cellulose, dicalcium phosphate, croscarmellose sodium, magnesium stearate",
    "drops": "",
    "gummy": "glucose syrup, sugar, pectin, citric acid, natural flavour, carrot concentrate (colour)",
    "powder": "maltodextrin, silicon dioxide",
    "spray": "purified water, glycerin, xylitol, natural mint flavour, gum arabic",
}


def _label(item: DemoProduct) -> tuple[str, str]:
    """The demo label's other ingredients and allergens. Natto is made from soybeans, so MK-7 from
    natto carries soy; no other demo product contains a major food allergen."""
    note = item.note.lower()
    carrier = next((oil for key, oil in (("olive", "olive oil"), ("mct", "MCT oil")) if key in note), "")
    if not carrier and item.form in ("softgel", "drops"):
        carrier = "sunflower oil"
    if carrier == "MCT oil":
        carrier = "medium-chain triglyceride (MCT) oil from coconut"
    form_part = _FORM_INGREDIENTS[item.form]
    if item.form == "tablet" and "chewable" in item.name.lower():
        form_part = "xylitol, sorbitol, natural lemon flavour, magnesium stearate"
    parts = [part for part in (carrier, form_part) if part]
    ingredients = ", ".join(parts)
    allergens = "Soy (from natto)" if "natto" in note else "None"
    return ingredients[:1].upper() + ingredients[1:] + ".", allergens


def _band_key(doses: dict[str, Decimal]) -> str:
    return "+".join(code for code in ("d3", "k2-mk7", "k2-mk4") if code in doses)


def _load_nutrients(summary: DemoCatalogSummary) -> dict[str, Nutrient]:
    existing = {n.code: n for n in Nutrient.objects.filter(code__in=NUTRIENTS)}
    by_code = {}
    for code, (name, short_name, sort_order, text) in NUTRIENTS.items():
        values = {"name": name, "short_name": short_name, "sort_order": sort_order, "summary": text}
        by_code[code], outcome = _upsert(Nutrient, existing.get(code), {"code": code}, values)
        summary.nutrients.add(outcome)
    return by_code


def _load_products(summary: DemoCatalogSummary, nutrients: dict[str, Nutrient]) -> list[Product]:
    existing = {p.sku: p for p in Product.objects.filter(sku__in=[item.sku for item in PRODUCTS])}
    amounts = {
        (row.product_id, row.nutrient_id): row
        for row in ProductNutrient.objects.filter(product__in=existing.values())
    }
    with_stock = set(Stock.objects.filter(product__in=existing.values()).values_list("product_id", flat=True))
    products = []
    for item in PRODUCTS:
        other_ingredients, allergens = _label(item)
        values = {
            "slug": item.slug, "name": item.name, "brand": item.brand, "form": item.form,
            "description": _description(item), "other_ingredients": other_ingredients, "allergens": allergens,
            "serving_size": item.serving_size,
            "servings_per_container": item.servings, "price": item.price, "is_active": item.active,
            "is_featured": item.featured,
        }
        product, outcome = _upsert(Product, existing.get(item.sku), {"sku": item.sku}, values)
        summary.products.add(outcome)
        products.append(product)

        wanted_ids = set()
        for code, mcg in item.doses.items():
            nutrient = nutrients[code]
            wanted_ids.add(nutrient.pk)
            _, outcome = _upsert(
                ProductNutrient, amounts.get((product.pk, nutrient.pk)),
                {"product": product, "nutrient": nutrient}, {"amount_mcg": mcg},
            )
            summary.product_amounts.add(outcome)
        stale = [row.pk for (product_id, nutrient_id), row in amounts.items()
                 if product_id == product.pk and nutrient_id not in wanted_ids]
        if stale:
            ProductNutrient.objects.filter(pk__in=stale).delete()

        if product.pk not in with_stock:
            Stock.objects.create(product=product, on_hand=item.on_hand)
            summary.stock_created += 1
    return products


def _load_foods(summary: DemoCatalogSummary, nutrients: dict[str, Nutrient]) -> None:
    existing = {f.slug: f for f in FoodSource.objects.filter(slug__in=[food.slug for food in FOODS])}
    amounts = {
        (row.food_id, row.nutrient_id): row
        for row in FoodNutrientAmount.objects.filter(food__in=existing.values())
    }
    for item in FOODS:
        values = {"name": item.name, "serving": item.serving, "note": item.note}
        food, outcome = _upsert(FoodSource, existing.get(item.slug), {"slug": item.slug}, values)
        summary.foods.add(outcome)
        for code, (mcg, source) in item.amounts.items():
            nutrient = nutrients[code]
            _, outcome = _upsert(
                FoodNutrientAmount, amounts.get((food.pk, nutrient.pk)),
                {"food": food, "nutrient": nutrient}, {"amount_mcg": mcg, "source": source},
            )
            summary.food_amounts.add(outcome)


def _draw_missing_images(summary: DemoCatalogSummary, products: list[Product]) -> None:
    items = {item.sku: item for item in PRODUCTS}
    with_image = set(ProductImage.objects.filter(product__in=products).values_list("product_id", flat=True))
    for product in products:
        if product.pk in with_image:
            continue
        item = items[product.sku]
        label = draw_demo_label(
            brand=item.brand, name=item.name, dose_text=_dose_text(item.doses), form_label=item.pack,
            form=item.form, band_key=_band_key(item.doses),
        )
        product_image_create(
            product=product, file=io.BytesIO(label),
            alt_text=f"{item.brand} {item.name}: {item.form} container labelled {_dose_text(item.doses)}",
        )
        summary.images_created += 1


def load_demo_catalog() -> DemoCatalogSummary:
    """Create or update the demo nutrients, products, stock, foods and product images."""
    summary = DemoCatalogSummary()
    with transaction.atomic():
        nutrients = _load_nutrients(summary)
        products = _load_products(summary, nutrients)
        _load_foods(summary, nutrients)
    # Each image is its own transaction (files and row together), after the catalog rows are safely
    # in: if drawing one fails, the catalog stays whole and the next run draws what is missing.
    _draw_missing_images(summary, products)
    return summary
