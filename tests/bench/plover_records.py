"""A minimal reader of PLOVER's gold standard records, and the pre-annotator measured on them.

Test data only: the rules are written from the PLOVER manual and the codebook, never from
these sentences. The records file has trailing commas (not strict JSON); the reader drops
them before parsing. The real importer is `toolkit plover import` (another branch).

    python tests/bench/plover_records.py [PLOVER_GSR_CAMEO.txt]
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path("/work/shared/data/plover/PLOVER_GSR_CAMEO.txt")
# PLOVER 0.5 categories later renamed or merged (data/plover/README.md, the PLOVER manual).
RENAMED = {"DEMAND": "REQUEST", "DISAPPROVE": "ACCUSE", "INVESTIGATE": "ACCUSE", "FIGHT": "ASSAULT"}
# CAMEO country codes in the records that are not ISO 3166 alpha-3.
CAMEO_CODES = {"JAP": "JPN", "ITL": "ITA"}
_TRAILING_COMMA = re.compile(r",(\s*[\]}])")
_COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")
# PLOVER actor codes that name no country (organizations and groups).
_NOT_COUNTRIES = frozenset({"IGO", "NGO", "IMG", "MNC", "UNO", "EUR", "AFR", "ASA", "MEA"})


@dataclass(frozen=True)
class PloverRecord:
    """One gold record: its sentence, PLOVER 1.0 category and actor country codes."""

    record_id: str
    text: str
    category: str
    countries: tuple[str, ...]


def _countries(actors: Any) -> tuple[str, ...]:
    if not isinstance(actors, list):
        return ()
    codes = (CAMEO_CODES.get(a.get("code", ""), a.get("code", "")) for a in actors)
    return tuple(c for c in codes if _COUNTRY_CODE.match(c) and c not in _NOT_COUNTRIES)


def read_records(path: str | Path = DEFAULT_PATH) -> list[PloverRecord]:
    """The event records of the file (the DOCUMENT record is documentation and left out)."""
    raw = json.loads(_TRAILING_COMMA.sub(r"\1", Path(path).read_text(encoding="utf-8")))
    return [
        PloverRecord(
            r["id"],
            r["text"],
            RENAMED.get(r["event"], r["event"]),
            _countries(r.get("source")) + _countries(r.get("target")),
        )
        for r in raw
        if r["event"] != "DOCUMENT"
    ]


def is_dev_record(record_id: str) -> bool:
    """Whether a record belongs to the dev half: the SHA-256 of its id is even.

    The other (odd) half is held out: rules may be written from the dev half's errors (by
    kind, never by copying its sentences); the held-out half is only ever scored.
    """
    return int(hashlib.sha256(record_id.encode("utf-8")).hexdigest(), 16) % 2 == 0


def split_records(
    records: Sequence[PloverRecord],
) -> tuple[list[PloverRecord], list[PloverRecord]]:
    """The dev half and the held-out half of the records (see is_dev_record), in file order."""
    dev = [r for r in records if is_dev_record(r.record_id)]
    heldout = [r for r in records if not is_dev_record(r.record_id)]
    return dev, heldout


# A suggester: sentence in, (label, attributes) of each suggested span out.
Suggester = Callable[[str, str], Iterable[tuple[str, Mapping[str, Any]]]]


def measure(records: Sequence[PloverRecord], suggest: Suggester) -> dict[str, float]:
    """Shares of sentences with no EVENT, with the gold category among the EVENTs, and of
    gold country codes found among the ACTOR spans' countries."""
    no_event = has_category = codes = found = 0
    for r in records:
        spans = list(suggest(r.record_id, r.text))
        categories = {a.get("category") for label, a in spans if label == "EVENT"}
        countries = {a.get("country") for label, a in spans if label == "ACTOR"}
        no_event += not categories
        has_category += r.category in categories
        codes += len(r.countries)
        found += sum(c in countries for c in r.countries)
    n = max(len(records), 1)
    return {
        "n_records": float(len(records)),
        "no_event_share": no_event / n,
        "gold_category_share": has_category / n,
        "n_country_codes": float(codes),
        "country_code_share": found / max(codes, 1),
    }


def rules_suggester() -> Suggester:
    """The project's rule set as a suggester."""
    from toolkit.preannotate.rules import default_rules

    rules = default_rules()

    def suggest(record_id: str, text: str) -> list[tuple[str, Mapping[str, Any]]]:
        doc_id = "doc_" + hashlib.sha256(record_id.encode()).hexdigest()[:16]
        return [(s.label, s.attributes) for s in rules.annotate(doc_id, text).spans]

    return suggest


def format_measure(name: str, m: Mapping[str, float]) -> str:
    """One line of figures."""
    return (
        f"{name}: {int(m['n_records'])} records; no event {m['no_event_share']:.1%}; "
        f"gold category among events {m['gold_category_share']:.1%} (target 75%); "
        f"country codes among actors {m['country_code_share']:.1%} of "
        f"{int(m['n_country_codes'])} (target 80%)"
    )


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_PATH
    records = read_records(path)
    dev, heldout = split_records(records)
    suggest = rules_suggester()
    print(format_measure("rules, all records", measure(records, suggest)))
    print(format_measure("rules, dev half (errors read to write rules)", measure(dev, suggest)))
    print(format_measure("rules, held-out half (never read)", measure(heldout, suggest)))
