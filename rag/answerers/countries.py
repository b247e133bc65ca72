"""Country and state names as news writes them, to tell "which country" and "which state" answers from
cities and regions.

spaCy types a country, a city and a county alike (GPE), so "Which country cracked down ...?" was answered
"Riyadh" and "Which state ...?" "Buchanan County". The names are CLDR's English territory names, read from
babel (CLDR's own Python package), plus the other forms news uses that CLDR keeps
as alternates babel does not expose ("Britain", "the U.S.", "Ivory Coast"). A federation's states are
ISO 3166-2's, from pycountry (its English names: Germany's Länder are there as "Bayern", not "Bavaria").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# CLDR's short and variant forms, and the UK's nations, which news calls countries.
_ALSO = ("Britain", "Great Britain", "UK", "U.K.", "US", "U.S.", "USA", "U.S.A.", "America", "England", "Scotland",
         "Wales", "Northern Ireland", "Turkey", "Ivory Coast", "Czech Republic", "Burma", "Holland", "Palestine",
         "Hong Kong", "Macau", "Vatican", "Congo", "DRC", "East Timor", "Cape Verde", "Swaziland", "Macedonia")


# CLDR territories that are not countries: the EU, the eurozone, the UN, test and unknown regions.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


def _key(name: str) -> str:
    """Lower case, no accents, "&" as "and", no leading "the": "Côte d’Ivoire" = "cote d'ivoire"."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    name = re.sub(r"\s+", " ", name.replace("&", "and").replace("’", "'")).strip(" .")
    return re.sub(r"^the ", "", name)


@lru_cache(maxsize=1)
def _names() -> frozenset[str]:
    from babel import Locale

    names = set(_ALSO)
    for code, name in Locale("en").territories.items():
        if not code.isalpha() or code in _NOT_COUNTRIES:
            continue  # "150" is Europe, "419" Latin America: regions, not countries
        names.add(name)
        # "Myanmar (Burma)", "Hong Kong SAR China", "Congo - Kinshasa": each part is a name too
        names.update(part for part in re.split(r"\s*[()]\s*|\s+SAR\s+China$|\s+-\s+", name) if part)
    return frozenset(_key(n) for n in names)


def _parts(text: str) -> list[str]:
    return [p for p in re.split(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+", text) if p.strip()]


def is_country(text: str) -> bool:
    """The text names a country, or several ("Russia and China")."""
    parts = _parts(text)
    return bool(parts) and all(_key(p) in _names() for p in parts)


@lru_cache(maxsize=1)
def _states() -> frozenset[str]:
    import pycountry

    return frozenset(_key(s.name) for s in pycountry.subdivisions if s.type == "State")


def is_state(text: str) -> bool:
    """The text names a state of a federation ("Virginia", "Kerala", "New South Wales"), or several, or
    a country: a sovereign state is one too. ISO 3166-2's names, from pycountry."""
    parts = _parts(text)
    return bool(parts) and all(_key(p) in _states() or _key(p) in _names() for p in parts)
