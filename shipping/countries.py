"""The countries the shop ships to, as ISO 3166-1 alpha-2 codes (stored on orders and addresses)
with their names. Checkout, addresses and the rate table all choose from this one list."""
from __future__ import annotations

SHIPPING_COUNTRIES: tuple[tuple[str, str], ...] = (
    ("AT", "Austria"),
    ("AU", "Australia"),
    ("BE", "Belgium"),
    ("CA", "Canada"),
    ("CH", "Switzerland"),
    ("CZ", "Czechia"),
    ("DE", "Germany"),
    ("DK", "Denmark"),
    ("ES", "Spain"),
    ("FI", "Finland"),
    ("FR", "France"),
    ("GB", "United Kingdom"),
    ("GR", "Greece"),
    ("HU", "Hungary"),
    ("IE", "Ireland"),
    ("IS", "Iceland"),
    ("IT", "Italy"),
    ("JP", "Japan"),
    ("LU", "Luxembourg"),
    ("NL", "Netherlands"),
    ("NO", "Norway"),
    ("NZ", "New Zealand"),
    ("PL", "Poland"),
    ("PT", "Portugal"),
    ("SE", "Sweden"),
    ("SG", "Singapore"),
    ("SK", "Slovakia"),
    ("US", "United States"),
)
COUNTRY_NAMES: dict[str, str] = dict(SHIPPING_COUNTRIES)

# The rate table's row for every country that has no row of its own.
REST_OF_WORLD = "*"
REST_OF_WORLD_NAME = "All other countries"


def country_name(code: str) -> str:
    """The country's name for pages and emails; an unknown code is shown as it is."""
    if code == REST_OF_WORLD:
        return REST_OF_WORLD_NAME
    return COUNTRY_NAMES.get(code, code)
