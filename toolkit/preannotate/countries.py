"""Country names and demonyms from maintained packages: pycountry and country_converter.

Both ship their data (no download at run time). No package ships demonyms: they are derived
from country_converter's short names by English suffix rules, and a derived word is kept only
when country_converter's own name regex reads it as that country and as no other (so
"Nigerian" is Nigeria, never Niger). Irregular demonyms ("French", "Dutch") stay in lexicon.json.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Short names too ambiguous to match as words in running text.
_AMBIGUOUS_NAMES = frozenset({"Chad", "Jordan", "Georgia", "Guinea", "Niger", "Turkey", "Dominica"})


@dataclass(frozen=True)
class CountryRow:
    """One country of country_converter's table."""

    iso3: str
    name_short: str
    name_official: str
    pattern: re.Pattern[str]


@cache
def country_rows() -> tuple[CountryRow, ...]:
    """country_converter's countries (read from its packaged table, without pandas)."""
    table = resources.files("country_converter").joinpath("country_data.tsv")
    with table.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        return tuple(
            CountryRow(r["ISO3"], r["name_short"], r["name_official"], re.compile(r["regex"], re.I))
            for r in reader
            if r["ISO3"] and not r.get("obsolete")
        )


def _suffixed(name: str) -> Iterator[str]:
    """English demonym candidates of one country name (most are never words: harmless)."""
    if name.endswith(("s", "land", "k", "m", "x", "ce")):
        return  # Bahamas, Finland, Denmark, Vietnam, France: irregular (lexicon.json)
    if name.endswith("stan"):
        yield name + "i"
    elif name.endswith("a"):
        yield name + "n"  # Romania -> Romanian, Kenya -> Kenyan
    elif name.endswith("o"):
        yield name[:-1] + "an"  # Mexico -> Mexican
    elif name.endswith("y"):
        yield name[:-1] + "ian"  # Hungary -> Hungarian
    elif name.endswith(("an", "on")):
        yield (name[:-2] if name.endswith("on") else name) + "ese"  # Sudanese, Lebanese
        yield name + "i"  # Omani
        yield name + "ian"  # Iranian
    elif name[-1:] in "eiu":
        yield name + "an"  # Chile -> Chilean, Mali -> Malian, Peru -> Peruan (never a word)
    else:
        yield name + "i"  # Iraqi, Israeli, Yemeni
        yield name + "ian"  # Egyptian, Brazilian


def _reads_as(word: str, rows: tuple[CountryRow, ...]) -> set[str]:
    return {row.iso3 for row in rows if row.pattern.search(word)}


@cache
def derived_demonyms() -> dict[str, str]:
    """Demonyms derived from the short names and confirmed by country_converter's regexes."""
    rows = country_rows()
    out: dict[str, str] = {}
    for row in rows:
        if " " in row.name_short or "-" in row.name_short:
            continue
        for word in _suffixed(row.name_short):
            if _reads_as(word, rows) == {row.iso3}:
                out.setdefault(word, row.iso3)
    return dict(sorted(out.items()))


@cache
def country_names() -> dict[str, str]:
    """Names of each country (short, official, pycountry's name and common name) -> ISO3."""
    import pycountry

    out: dict[str, str] = {}
    for row in country_rows():
        for name in (row.name_short, row.name_official):
            out.setdefault(name, row.iso3)
    for country in pycountry.countries:
        for pc_name in (getattr(country, "common_name", None), country.name):
            if pc_name:
                out.setdefault(str(pc_name), str(country.alpha_3))
    return {
        name: iso3
        for name, iso3 in sorted(out.items())
        if "," not in name and "(" not in name and name not in _AMBIGUOUS_NAMES
    }
