"""The dataset card: README.md with Hugging Face YAML front matter, written from the data itself."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from toolkit.report import markdown_table
from toolkit.taxonomy import Taxonomy

TABLE_TITLES = {
    "documents": "one row per article, gold spans nested",
    "annotations": "one row per span per annotation layer",
    "annotation_sets": "one row per annotation file (so an annotated document without spans is "
    "not lost)",
    "rejects": "every input left out, and why",
    "events": "one event record per EVENT span per annotation layer: category, mode, context, "
    "source and target actors, location, date (PLOVER-style)",
}

COLUMN_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "documents": {
        "doc_id": '`"doc_"` + the first 16 hex digits of the SHA-256 of the raw source bytes; '
        "stays the same when the converter changes",
        "cluster_id": "smallest `doc_id` of the document's near-duplicate cluster (MinHash); "
        "split train/test by this column, never by document",
        "outlet": "news outlet, when the converter could tell",
        "title": "headline, when the converter could tell",
        "byline": "author line, when present",
        "published_date": "publication date found in the article, when present",
        "source_urls": "URLs of the article found in the source",
        "links": "hyperlinks of the source HTML: anchor text, target and code-point offsets "
        "into `text` (null offsets when the anchor text did not survive cleaning)",
        "text": "normalized article text (NFC, whitespace normalized, boilerplate removed); "
        "every offset in the dataset points into it",
        "text_sha256": "SHA-256 of `text` (UTF-8); annotation files record it so a changed text "
        "is detected",
        "sentences": "sentence boundaries as half-open code-point offsets into `text`",
        "shared_sentences": "sentences (by index into `sentences`) that also occur, after key "
        "normalization, in other documents, with those documents' ids",
        "removed": "boilerplate removed from the source, each with the reason",
        "source_path": "input file path as given to `toolkit convert`",
        "source_sha256": "SHA-256 of the raw source bytes",
        "source_encoding": "character encoding the source was decoded from",
        "converter_version": "version of the converter that produced `text`",
        "spans": "adjudicated `gold` spans (null when the document has no gold annotation): "
        "label, offsets, quote, attributes and outgoing relations",
    },
    "annotations": {
        "doc_id": "document the span belongs to",
        "annotator_id": "annotation layer (see below)",
        "span_id": '`"sp_"` + 12 hex digits, derived from document, label and offsets',
        "label": "span label from the taxonomy",
        "start": "first code point of the span in the document's `text`",
        "end": "one past the last code point (half-open)",
        "text": "the quoted span text, equal to `text[start:end]`",
        "attributes": "one field per taxonomy attribute: a nullable string, or for the "
        "multi-valued EVENT `context` a list of strings (empty when none was chosen); null when "
        "the label has no such attribute or it was left empty",
        "relations": "outgoing relations of the span: type and target `span_id`",
        "codebook_version": "annotation guidelines version the layer was made under",
    },
    "annotation_sets": {
        "doc_id": "annotated document",
        "annotator_id": "annotation layer",
        "status": "`completed`, or `skipped` (the annotator skipped the document)",
        "source_kind": "`manual`, `gold`, `labelstudio`, `rules` or `model`",
        "n_spans": "number of spans in the file",
        "text_sha256": "SHA-256 of the text the annotator saw",
        "codebook_version": "annotation guidelines version",
    },
    "rejects": {
        "input": "the input file (article or annotation file)",
        "kind": "`article` or `annotation`",
        "reason": "why it was left out",
    },
    "events": {
        "event_id": '`"ev_"` + 12 hex digits, from document, layer and trigger span',
        "doc_id": "document the event is reported in",
        "layer": "annotation layer (annotator_id) the record comes from",
        "span_id": "the EVENT (trigger) span in annotations.parquet",
        "date": "the article's `published_date`; null for historical events and undated articles",
        "date_source": "`published_date`, or `before_published_date` (historical event: "
        "happened earlier, date unknown); null when the article has no date",
        "event": "PLOVER event category (PLOVER's `event`)",
        "quad_class": "PLOVER quad class of the category",
        "mode": "PLOVER mode, when coded",
        "context": "PLOVER contexts (a list, empty when none)",
        "modality": "asserted, historical, future, hypothetical or negated",
        "event_text": "the trigger's quote (PLOVER's `eventText`)",
        "start": "trigger start, a code-point offset into the document's `text`",
        "end": "trigger end (half-open)",
        "source": "source actors (PLOVER's `source`/actor): span id, quote, canonical name, "
        "country (PLOVER's `code`), sector, Wikidata id, offsets",
        "target": "target actors (PLOVER's `target`/recipient), as `source`",
        "location": "where the event took place (PLOVER's `eventLoc`): gazetteer id, country, "
        "feature type, latitude and longitude in decimal degrees (WGS 84), quote, offsets",
        "codebook_version": "annotation guidelines version the layer was made under",
    },
}


def type_name(dtype: pa.DataType) -> str:
    """A short, readable name of an Arrow type (``list<struct{start, end}>``)."""
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return f"list<{type_name(dtype.value_type)}>"
    if pa.types.is_struct(dtype):
        return "struct{" + ", ".join(dtype.field(i).name for i in range(dtype.num_fields)) + "}"
    return str(dtype)


def size_category(n: int) -> str:
    """Hugging Face size category of a dataset with ``n`` rows."""
    bounds = [
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ]
    for bound, name in bounds:
        if n < bound:
            return name
    return "10M<n<100M"


def _yaml(value: Any, indent: int = 0) -> list[str]:
    """Block YAML of plain data; strings are JSON-quoted (valid YAML double-quoted scalars)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, Mapping | list) and item:
                lines.append(f"{pad}{key}:")
                lines.extend(_yaml(item, indent + 2))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping) and item:
                sub = _yaml(item, indent + 2)
                lines.append(f"{pad}- {sub[0].lstrip()}")
                lines.extend(sub[1:])
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return json.dumps(str(value), ensure_ascii=False)


def front_matter(manifest: Mapping[str, Any], taxonomy: Taxonomy) -> dict[str, Any]:
    """The card's YAML metadata: configs with data files, license, language, tasks, size."""
    counts = manifest["counts"]
    configs: list[dict[str, Any]] = []
    for name in ("documents", "annotations", "annotation_sets", "rejects", "events"):
        config: dict[str, Any] = {
            "config_name": name,
            "data_files": [{"split": "train", "path": f"{name}.parquet"}],
        }
        if name == "documents":
            config["default"] = True
        configs.append(config)
    return {
        "pretty_name": pretty_name(taxonomy),
        "license": "other",
        "license_name": "mixed",
        "language": ["en"],
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition"],
        "size_categories": [size_category(int(counts["documents"]))],
        "tags": ["news", "event-extraction", "plover", "stance-detection", "geopolitics"],
        "configs": configs,
    }


def pretty_name(taxonomy: Taxonomy) -> str:
    """Display name of the dataset, from the taxonomy's name."""
    return f"{taxonomy.name.capitalize()} news spans: " + ", ".join(
        name.lower() for name in taxonomy.label_names
    )


LAYER_TEXT = {
    "pass-a": "an independent reference pass by the project's maintainers, following "
    "`annotations/GUIDELINES.md` (made by a language-model annotation session of the "
    "maintainers, not yet reviewed by a human domain expert)",
    "pass-b": "a second independent reference pass by the project's maintainers, following "
    "the same guidelines without seeing `pass-a` (a separate language-model annotation "
    "session, not yet reviewed by a human domain expert)",
    "gold": "the adjudicated layer: the maintainers compared the independent passes and "
    "decided each disagreement (decisions and reasons are in the annotation files' "
    "`adjudication` lists; adjudicated by a third language-model session, which also led to "
    "codebook 1.1.0); nested as `spans` in documents.parquet",
}


def describe_layer(layer: str) -> str:
    """Who made an annotation layer and how, from its name (the layer naming convention)."""
    if layer in LAYER_TEXT:
        return LAYER_TEXT[layer]
    if layer.startswith("rules-"):
        return "machine suggestions of the rule-based pre-annotator (not reviewed by a person)"
    if layer.startswith("ls-"):
        return "a Label Studio annotator (pseudonymous id), pulled from Label Studio"
    if layer.startswith("model-"):
        return "predictions of a baseline model (not reviewed by a person)"
    return "an annotation layer"


def _columns_section(schemas: Mapping[str, pa.Schema]) -> list[str]:
    lines = ["## Files and columns", ""]
    for name, schema in schemas.items():
        lines.append(f"### `{name}.parquet`: {TABLE_TITLES.get(name, '')}")
        lines.append("")
        descriptions = COLUMN_DESCRIPTIONS.get(name, {})
        rows = [
            [
                f"`{f.name}`",
                f"`{type_name(f.type)}`",
                "no" if not f.nullable else "yes",
                descriptions.get(f.name, ""),
            ]
            for f in schema
        ]
        lines.append(markdown_table(["column", "type", "nullable", "meaning"], rows))
    lines.append(
        "Every Parquet file carries key-value metadata `toolkit.schema_version`, "
        "`toolkit.taxonomy_sha256`, `toolkit.taxonomy_version` and `toolkit.codebook_version`. "
        "`manifest.json` lists every input with its SHA-256, the counts shown above and the "
        "SHA-256 of every Parquet file."
    )
    lines.append("")
    return lines


def _annotations_section(manifest: Mapping[str, Any], taxonomy: Taxonomy) -> list[str]:
    counts = manifest["counts"]
    spans: Mapping[str, Mapping[str, int]] = counts.get("spans", {})
    files: Mapping[str, int] = counts.get("annotation_files_per_layer", {})
    layers = sorted(set(spans) | set(files))
    lines = ["## Annotations", ""]
    if not layers:
        lines += [
            "This build contains no annotation layers: the tables of annotations are "
            "empty and `spans` is null for every document.",
            "",
        ]
        return lines
    lines.append("Layers present in this build, and who made them:")
    lines.append("")
    for layer in layers:
        n = files.get(layer, 0)
        lines.append(f"- `{layer}` ({n} file{'' if n == 1 else 's'}): {describe_layer(layer)}.")
    lines.append("")
    labels = list(taxonomy.label_names)
    rows = [
        [
            f"`{layer}`",
            *[spans.get(layer, {}).get(label, 0) for label in labels],
            sum(spans.get(layer, {}).values()),
        ]
        for layer in layers
    ]
    lines.append("Spans per layer and label:")
    lines.append("")
    lines.append(markdown_table(["layer", *labels, "all"], rows))
    lines.append("Labels:")
    lines.append("")
    for label in taxonomy.labels.values():
        lines.append(f"- **{label.name}**: {label.description}")
    lines.append("")
    return lines


def _taiwan_section(taxonomy: Taxonomy) -> list[str]:
    lines = [
        "## Country codes and Taiwan",
        "",
        "Countries are ISO 3166-1 alpha-3 codes (from pycountry), plus PLOVER's codes for "
        "non-state and special entities (IGO, UNO, NGO, ...). Taiwan is coded `TWN`, as in "
        "PLOVER's own gold records: this follows the event-data convention so the data joins "
        "with PLOVER and POLECAT records, and makes no political claim.",
        "",
    ]
    stance = taxonomy.labels.get("STANCE")
    values = [a for a in stance.attributes if a.name == "value"] if stance else []
    if values:
        holder = [r.name for r in taxonomy.relations.values() if r.from_label == "STANCE"]
        lines += [
            "STANCE spans record a holder's stance toward Taiwan's separate self-government, "
            f"one of {' / '.join(values[0].values)} (the SemEval-2016 Task 6 convention)"
            + (
                f"; the stance's holder is linked with the `{holder[0]}` relation, so quoted "
                "speech belongs to the quoted actor."
                if holder
                else "."
            ),
            "",
        ]
    return lines


def _loading_section() -> list[str]:
    return [
        "## Loading",
        "",
        "polars:",
        "",
        "```python",
        "import polars as pl",
        "",
        'docs = pl.read_parquet("documents.parquet")',
        'spans = pl.read_parquet("annotations.parquet")',
        'gold = docs.select("doc_id", "spans").explode("spans").drop_nulls().unnest("spans")',
        "```",
        "",
        "DuckDB:",
        "",
        "```sql",
        "SELECT annotator_id, label, count(*) AS n",
        "FROM 'annotations.parquet' GROUP BY ALL ORDER BY ALL;",
        "SELECT doc_id, unnest(spans, recursive := true) FROM 'documents.parquet';",
        "```",
        "",
        "Hugging Face `datasets` (spans stay a list of structs: `row['spans']` is a list of "
        "dicts):",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        'docs = load_dataset("parquet", data_files="documents.parquet", split="train")',
        'spans = load_dataset("parquet", data_files="annotations.parquet", split="train")',
        "```",
        "",
        "Split train and test by `cluster_id`, never by `doc_id`: near-duplicate copies of one "
        "wire story share sentences and would leak across the split.",
        "",
    ]


def _limitations_section(manifest: Mapping[str, Any]) -> list[str]:
    counts = manifest["counts"]
    n_docs = int(counts["documents"])
    n_clusters = int(counts["clusters"])
    dates = manifest.get("published_dates", {})
    lines = ["## Limitations", ""]
    if n_docs < 100:
        lines.append(
            f"- Only {n_docs} document{'s' if n_docs != 1 else ''} in "
            f"{n_clusters} near-duplicate cluster{'s' if n_clusters != 1 else ''}: enough to "
            "demonstrate and test the annotation pipeline, far too few to train a model or to "
            "estimate its accuracy with any confidence."
        )
    if dates.get("first") and dates.get("last"):
        lines.append(
            f"- The publication dates found run from {dates['first']} to {dates['last']}; "
            "the articles cover one narrow period and topic, not news in general."
        )
    outlets = manifest.get("outlets", {})
    if outlets:
        lines.append(
            f"- {len(outlets)} outlet{'s' if len(outlets) != 1 else ''} "
            "recognized; outlet style and boilerplate shape what the converter removes."
        )
    lines += [
        "- English only.",
        "- Article texts remain the copyright of their publishers; the annotations, metadata "
        "and code are the project's (Apache-2.0). Check the publishers' terms before "
        "redistributing the texts.",
        f"- `shared_sentences` lists at most {manifest.get('shared_sentence_max_docs')} other "
        "documents per sentence (the smallest doc ids).",
        "",
    ]
    return lines


def render_card(
    manifest: Mapping[str, Any], *, schemas: Mapping[str, pa.Schema], taxonomy: Taxonomy
) -> str:
    """README.md of a built dataset: YAML front matter, then what is in it and how to use it."""
    counts = manifest["counts"]
    taxo = manifest["taxonomy"]
    lines = ["---", *_yaml(front_matter(manifest, taxonomy)), "---", ""]
    lines.append(f"# {pretty_name(taxonomy)}")
    lines.append("")
    description = str(taxonomy.raw.get("description", "")).strip()
    if description:
        lines += [description, ""]
    outlets: Mapping[str, int] = manifest.get("outlets", {})
    rejects_by_kind: Mapping[str, int] = counts.get("rejects_by_kind", {})
    summary = [
        ["input files", counts["inputs"]],
        ["documents", counts["documents"]],
        ["near-duplicate clusters", counts["clusters"]],
        ["clusters with more than one document", counts["clusters_with_several_documents"]],
        ["largest cluster (documents)", counts["largest_cluster"]],
        ["sentences", counts["sentences"]],
        ["sentences also found in another document", counts["shared_sentences"]],
        ["annotation files", counts["annotation_files"]],
        ["rejected inputs", counts["rejects"]],
    ]
    summary += [[f"rejected inputs: {kind}", n] for kind, n in rejects_by_kind.items()]
    lines += ["## Contents", "", markdown_table(["what", "count"], summary)]
    if outlets:
        lines.append("Outlets: " + ", ".join(f"{name} ({n})" for name, n in outlets.items()) + ".")
        lines.append("")
    if counts["rejects"]:
        lines += [
            "Rejected inputs are listed in `rejects.parquet` with the reason; they are not in "
            "the other tables.",
            "",
        ]
    lines += [
        "## Versions",
        "",
        markdown_table(
            ["what", "value"],
            [
                ["record schema version", manifest["schema_version"]],
                ["taxonomy SHA-256", taxo["sha256"]],
                ["taxonomy version", taxo["taxonomy_version"]],
                ["codebook version", taxo["codebook_version"]],
                ["converter version", manifest["converter_version"]],
                ["toolkit version", manifest["toolkit_version"]],
            ],
        ),
    ]
    lines += _annotations_section(manifest, taxonomy)
    lines += _taiwan_section(taxonomy)
    lines += _columns_section(schemas)
    lines += _loading_section()
    lines += _limitations_section(manifest)
    return "\n".join(lines).rstrip("\n") + "\n"
