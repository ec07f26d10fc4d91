"""Generated benchmark corpora: template US-China news sentences with gold spans (not real data)."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from toolkit.core import make_span_id, sha256_text, write_text_atomic
from toolkit.dataset import documents_schema, schema_metadata
from toolkit.taxonomy import Taxonomy, read_taxonomy

_ACTORS = (
    "Antony Blinken",
    "Xi Jinping",
    "Wang Yi",
    "Joe Biden",
    "Tsai Ing-wen",
    "Lloyd Austin",
    "Qin Gang",
    "Li Shangfu",
    "Kevin McCarthy",
    "Lai Ching-te",
    "the State Department",
    "the Pentagon",
    "China's foreign ministry",
    "the People's Liberation Army",
    "US lawmakers",
    "Taiwan's defence ministry",
    "Beijing's Taiwan Affairs Office",
    "the White House",
    "Chinese diplomats",
    "the US Navy",
    "Japan's prime minister",
    "the Philippine coast guard",
)
_LOCATIONS = (
    "Beijing",
    "Washington",
    "Taipei",
    "the Taiwan Strait",
    "the South China Sea",
    "Singapore",
    "Tokyo",
    "Manila",
    "Guam",
    "Hawaii",
    "Kinmen",
    "San Francisco",
    "Shanghai",
    "Bali",
)
_ACTOR_ATTRS = {
    name: {"canonical_name": canonical, "country": country, "sector": sector}
    for name, canonical, country, sector in (
        ("Antony Blinken", "Antony Blinken", "USA", "GOV"),
        ("Xi Jinping", "Xi Jinping", "CHN", "GOV"),
        ("Wang Yi", "Wang Yi", "CHN", "GOV"),
        ("Joe Biden", "Joe Biden", "USA", "GOV"),
        ("Tsai Ing-wen", "Tsai Ing-wen", "TWN", "GOV"),
        ("Lloyd Austin", "Lloyd Austin", "USA", "GOV"),
        ("Qin Gang", "Qin Gang", "CHN", "GOV"),
        ("Li Shangfu", "Li Shangfu", "CHN", "MIL"),
        ("Kevin McCarthy", "Kevin McCarthy", "USA", "LEG"),
        ("Lai Ching-te", "Lai Ching-te", "TWN", "GOV"),
        ("the State Department", "US Department of State", "USA", "GOV"),
        ("the Pentagon", "US Department of Defense", "USA", "MIL"),
        ("China's foreign ministry", "Ministry of Foreign Affairs of China", "CHN", "GOV"),
        ("the People's Liberation Army", "People's Liberation Army", "CHN", "MIL"),
        ("US lawmakers", "US Congress", "USA", "LEG"),
        ("Taiwan's defence ministry", "Ministry of National Defense of Taiwan", "TWN", "MIL"),
        ("Beijing's Taiwan Affairs Office", "Taiwan Affairs Office", "CHN", "GOV"),
        ("the White House", "Government of the United States", "USA", "GOV"),
        ("Chinese diplomats", "Government of China", "CHN", "GOV"),
        ("the US Navy", "US Navy", "USA", "MIL"),
        ("Japan's prime minister", "Prime Minister of Japan", "JPN", "GOV"),
        ("the Philippine coast guard", "Philippine Coast Guard", "PHL", "MIL"),
    )
}
# Gazetteer entries as toolkit.gazetteer.lookup gives them (checked by the tests' validation).
_LOCATION_ATTRS = {
    name: {"gazetteer_id": gid, "feature_type": kind, **({"country": c} if c else {})}
    for name, gid, kind, c in (
        ("Beijing", "geonames:1816670", "city", "CHN"),
        ("Washington", "geonames:4140963", "city", "USA"),
        ("Taipei", "geonames:1668341", "city", "TWN"),
        ("the Taiwan Strait", "local:taiwan-strait", "water", None),
        ("the South China Sea", "local:south-china-sea", "water", None),
        ("Singapore", "geonames:1880252", "city", "SGP"),
        ("Tokyo", "geonames:1850147", "city", "JPN"),
        ("Manila", "geonames:1701668", "city", "PHL"),
        ("Guam", "geonames:4043988", "country", "GUM"),
        ("Hawaii", "geonames:5855797", "admin", "USA"),
        ("Kinmen", "local:kinmen", "admin", "TWN"),
        ("San Francisco", "geonames:5391959", "city", "USA"),
        ("Shanghai", "geonames:1796236", "city", "CHN"),
        ("Bali", "local:bali", "admin", "IDN"),
    )
}
_EVENTS = {
    "CONSULT": ("met", "held talks with", "visited", "spoke by phone with", "hosted"),
    "ACCUSE": ("criticized", "accused", "condemned", "blamed"),
    "THREATEN": ("warned", "threatened"),
    "SANCTION": ("sanctioned", "imposed sanctions on", "blacklisted"),
    "AGREE": ("agreed to cooperate with", "pledged to work with", "offered talks to"),
    "REQUEST": ("urged", "called on", "demanded that"),
    "REJECT": ("rejected", "refused to meet", "ruled out talks with"),
    "MOBILIZE": ("deployed warships near", "sent fighter jets toward"),
    "SUPPORT": ("praised", "endorsed", "backed"),
    "COOPERATE": ("signed a deal with", "shared intelligence with"),
}
_STANCES = {
    "AGAINST": (
        "{a} said Taiwan is an inalienable part of China",
        "{a} vowed to achieve reunification with Taiwan",
        "{a} said there is no room for compromise on Taiwan",
        "{a} warned that Taiwan independence means war",
    ),
    "FAVOR": (
        "{a} pledged to defend Taiwan if it were attacked",
        "{a} said Washington would help Taiwan defend itself",
        "{a} praised Taiwan's democracy and vowed to stand with Taipei",
    ),
    "NONE": (
        "{a} said the United States does not support Taiwan independence",
        "{a} reiterated the one China policy",
        "{a} called for peace and stability across the Taiwan Strait",
    ),
}
_FILLERS = (
    "Markets in {l} were calm on {day}",
    "The talks lasted about {n} hours, officials said",
    "Analysts expect little change in the coming weeks",
    "Reporters waited outside the venue in {l} for {n} hours",
    "The statement was released late on {day}",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _generated_sentence(
    rng: random.Random, noise: float
) -> tuple[str, list[tuple[str, int, int, dict[str, Any]]]]:
    """One synthetic sentence with its gold spans (label, start, end, attributes)."""
    parts: list[str] = []
    spans: list[tuple[str, int, int, dict[str, Any]]] = []
    pos = 0

    def add(text: str, label: str | None = None, attrs: dict[str, Any] | None = None) -> None:
        nonlocal pos
        if label is not None:
            spans.append((label, pos, pos + len(text), attrs or {}))
        parts.append(text)
        pos += len(text)

    kind = rng.random()
    if kind < 0.45:
        category = rng.choice(sorted(_EVENTS))
        trigger = rng.choice(_EVENTS[category])
        if rng.random() < noise:  # annotators disagree: a plausible neighbouring category
            category = rng.choice(sorted(_EVENTS))
        a1, a2 = rng.sample(_ACTORS, 2)
        add(a1[0].upper() + a1[1:], "ACTOR", _ACTOR_ATTRS[a1])
        add(" ")
        add(trigger, "EVENT", {"category": category, "modality": "asserted"})
        add(" ")
        add(a2, "ACTOR", _ACTOR_ATTRS[a2])
        add(" in ")
        place = rng.choice(_LOCATIONS)
        add(place, "LOCATION", _LOCATION_ATTRS[place])
        add(f" on {rng.choice(_DAYS)}.")
    elif kind < 0.75:
        value = rng.choice(sorted(_STANCES))
        template = rng.choice(_STANCES[value])
        if rng.random() < noise:
            value = rng.choice(sorted(_STANCES))
        actor = rng.choice(_ACTORS)
        head, tail = template.split("{a}")
        start = pos
        add(head)
        add(actor[0].upper() + actor[1:] if not head else actor, "ACTOR", _ACTOR_ATTRS[actor])
        add(tail)
        spans.append(("STANCE", start, pos, {"value": value}))
        add(".")
    else:
        template = rng.choice(_FILLERS)
        text = template.format(l="{l}", day=rng.choice(_DAYS), n=rng.randint(2, 9))
        head, sep, tail = text.partition("{l}")
        add(head)
        if sep:
            place = rng.choice(_LOCATIONS)
            add(place, "LOCATION", _LOCATION_ATTRS[place])
            add(tail)
        add(".")
    return "".join(parts), spans


def generate_documents(
    n_docs: int,
    *,
    seed: int = 0,
    sentences_per_doc: int = 20,
    copies_per_story: int = 2,
    noise: float = 0.1,
    taxonomy: Taxonomy | None = None,
) -> pa.Table:
    """Synthetic documents (documents_schema) with gold spans, for tests and benchmarks only.

    Each story gets up to ``copies_per_story`` near-duplicate copies (one sentence dropped and
    another added, like wire copies), sharing a ``cluster_id``. Sentences come from templates of
    US-China news: ACTOR/EVENT/LOCATION spans with PLOVER categories, STANCE clauses and filler;
    ``noise`` is the chance that an EVENT category or STANCE value is replaced by a random one,
    so no model scores perfectly. Not real data: never publish it as such.
    """
    tax = taxonomy or read_taxonomy()
    rng = random.Random(seed)
    attr_names = tax.attribute_names
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    story = 0
    while len(rows) < n_docs:
        base = [_generated_sentence(rng, noise) for _ in range(sentences_per_doc)]
        copies = []
        for c in range(min(copies_per_story, n_docs - len(rows))):
            sents = list(base)
            if c:
                sents.pop(rng.randrange(len(sents)))
                sents.insert(rng.randrange(len(sents) + 1), _generated_sentence(rng, noise))
            copies.append(sents)
        docs = []
        for sents in copies:
            text_parts: list[str] = []
            sentences: list[dict[str, int]] = []
            spans: list[tuple[str, int, int, dict[str, Any]]] = []
            pos = 0
            for sentence, sent_spans in sents:
                if text_parts:
                    text_parts.append(" ")
                    pos += 1
                sentences.append({"start": pos, "end": pos + len(sentence)})
                for label, s, e, attrs in sent_spans:
                    spans.append((label, pos + s, pos + e, attrs))
                text_parts.append(sentence)
                pos += len(sentence)
            text = "".join(text_parts)
            if text in seen:
                continue
            seen.add(text)
            digest = hashlib.sha256(f"generated:{seed}:{text}".encode()).hexdigest()
            doc_id = "doc_" + digest[:16]
            span_rows = []
            for label, s, e, attrs in sorted(spans, key=lambda x: (x[1], x[2], x[0])):
                # The stance clause's own actor holds it (the templates put one inside).
                holders = [
                    make_span_id(doc_id, "ACTOR", hs, he)
                    for hl, hs, he, _ in spans
                    if label == "STANCE" and hl == "ACTOR" and s <= hs and he <= e
                ]
                span_rows.append(
                    {
                        "span_id": make_span_id(doc_id, label, s, e),
                        "label": label,
                        "start": s,
                        "end": e,
                        "text": text[s:e],
                        "attributes": {n: attrs.get(n) for n in attr_names},
                        "relations": [{"type": "holder", "to_span_id": h} for h in holders[:1]],
                    }
                )
            docs.append((doc_id, text, sentences, span_rows, digest))
        if not docs:
            continue
        cluster = min(d[0] for d in docs)
        for doc_id, text, sentences, span_rows, digest in docs:
            rows.append(
                {
                    "doc_id": doc_id,
                    "cluster_id": cluster,
                    "outlet": "generated",
                    "title": f"Generated story {story}",
                    "byline": None,
                    "published_date": None,
                    "source_urls": [],
                    "links": [],
                    "text": text,
                    "text_sha256": sha256_text(text),
                    "sentences": sentences,
                    "shared_sentences": [],
                    "removed": [],
                    "source_path": f"generated/{seed}/{story}/{doc_id}",
                    "source_sha256": digest,
                    "source_encoding": "utf-8",
                    "converter_version": "generated",
                    "spans": span_rows,
                }
            )
        story += 1
    rows.sort(key=lambda r: r["doc_id"])
    schema = documents_schema(tax).with_metadata(schema_metadata(tax, "documents"))
    return pa.Table.from_pylist(rows, schema=schema)


def write_generated_dataset(out_dir: str | Path, table: pa.Table, *, description: str) -> Path:
    """Write a generated documents table as a dataset folder (documents.parquet, manifest.json)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    docs_path = out / "documents.parquet"
    tmp = out / ".documents.parquet.tmp"
    pq.write_table(table, tmp)
    tmp.replace(docs_path)
    manifest = {
        "generated": description,
        "counts": {"documents": table.num_rows},
        "files": {
            "documents.parquet": {"sha256": hashlib.sha256(docs_path.read_bytes()).hexdigest()}
        },
    }
    write_text_atomic(out / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return out
