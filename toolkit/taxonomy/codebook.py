"""The codebook's taxonomy tables, generated from the taxonomy so the guidelines never drift."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.core import write_text_atomic
from toolkit.errors import InputError
from toolkit.taxonomy.labels import Attribute, Taxonomy, read_taxonomy

GUIDELINES_PATH = Path(__file__).resolve().parents[2] / "annotations" / "GUIDELINES.md"
START_MARKER = "<!-- taxonomy-tables:start -->"
END_MARKER = "<!-- taxonomy-tables:end -->"
_ISO_SOURCE = "iso3166-1-alpha3"


def _cell(text: str) -> str:
    """Escape a value for a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ").strip()


def _attribute_values(attr: Attribute, taxonomy: Taxonomy, label: str) -> str:
    """Short description of an attribute's allowed values for the overview table."""
    if attr.depends_on:
        return f"depends on `{attr.depends_on}` (table below)"
    if attr.is_multi:
        return "a list of any of " + ", ".join(f"`{v}`" for v in attr.values) + " (table below)"
    if attr.is_choice:
        spec = taxonomy.raw["labels"][label]["attributes"][attr.name]
        if "value_set" in spec:
            return f"value set `{spec['value_set']}` ({len(attr.values)} values, table below)"
        return ", ".join(f"`{v}`" for v in attr.values)
    if attr.pattern:
        return f"text matching `{attr.pattern}`"
    return "free text"


def _value_set_table(name: str, spec: dict[str, Any], n_values: int) -> list[str]:
    """Rows for one value set: listed values, or the source plus its extra codes."""
    lines = [f"#### Value set `{name}`", ""]
    description = str(spec.get("description", ""))
    if description:
        lines += [description, ""]
    if spec.get("from") == _ISO_SOURCE:
        lines += [
            f"All ISO 3166-1 alpha-3 codes from pycountry ({n_values} codes in all, with the "
            "extra codes below).",
            "",
        ]
    values = dict(spec.get("values", {}) or {})
    values.update(spec.get("extra", {}) or {})
    if values:
        lines += ["| code | meaning |", "|---|---|"]
        lines += [f"| `{code}` | {_cell(str(text))} |" for code, text in values.items()]
        lines.append("")
    return lines


def _value_table(label_name: str, attr: Attribute, spec: dict[str, Any]) -> list[str]:
    """The table of an attribute's own values, or of its valid values per parent category."""
    out: list[str] = []
    if "values" in spec:
        quad = spec.get("quad_class", {})
        out += [f"#### {label_name} `{attr.name}` values", ""]
        if quad:
            out += ["| value | quad class | meaning |", "|---|---|---|"]
            out += [
                f"| `{v}` | {quad.get(v, '')} | {_cell(text)} |"
                for v, text in spec["values"].items()
            ]
        else:
            out += ["| value | meaning |", "|---|---|"]
            out += [f"| `{v}` | {_cell(text)} |" for v, text in spec["values"].items()]
        out.append("")
    elif "values_by_category" in spec:
        out += [
            f"#### {label_name} `{attr.name}` values by `{attr.depends_on}`",
            "",
            f"| {attr.depends_on} | valid {attr.name} values |",
            "|---|---|",
        ]
        out += [
            f"| `{parent}` | {', '.join(f'`{m}`' for m in modes)} |"
            for parent, modes in spec["values_by_category"].items()
        ]
        out.append("")
    return out


def render_tables(taxonomy: Taxonomy) -> str:
    """Markdown tables of every label, attribute, value and relation in the taxonomy."""
    raw = taxonomy.raw
    out: list[str] = [
        f"Taxonomy `{taxonomy.name}` version {taxonomy.taxonomy_version}, codebook version "
        f"{taxonomy.codebook_version}, taxonomy hash `{taxonomy.short_hash}`.",
        "",
        "### Labels",
        "",
        "| label | hotkey | description |",
        "|---|---|---|",
    ]
    for label in taxonomy.labels.values():
        out.append(f"| `{label.name}` | `{label.hotkey}` | {_cell(label.description)} |")
    out.append("")
    for label in taxonomy.labels.values():
        out += [
            f"### {label.name} attributes",
            "",
            "| attribute | required | values | description |",
            "|---|---|---|---|",
        ]
        for attr in label.attributes:
            out.append(
                f"| `{attr.name}` | {'yes' if attr.required else 'no'} | "
                f"{_cell(_attribute_values(attr, taxonomy, label.name))} | "
                f"{_cell(attr.description)} |"
            )
        out.append("")
        for attr in label.attributes:
            spec = raw["labels"][label.name]["attributes"][attr.name]
            out += _value_table(label.name, attr, spec)
    out += ["### Value sets", ""]
    for name, spec in raw.get("value_sets", {}).items():
        n_values = next(
            (
                len(attr.values)
                for label in taxonomy.labels.values()
                for attr in label.attributes
                if raw["labels"][label.name]["attributes"][attr.name].get("value_set") == name
            ),
            0,
        )
        out += _value_set_table(name, spec, n_values)
    out += [
        "### Relations",
        "",
        "| relation | from | to | required for | max per span | description |",
    ]
    out.append("|---|---|---|---|---|---|")
    for rel in taxonomy.relations.values():
        out.append(
            f"| `{rel.name}` | `{rel.from_label}` | `{rel.to_label}` | "
            f"{', '.join(rel.required_for) or '-'} | {rel.limit_text} | "
            f"{_cell(rel.description)} |"
        )
    return "\n".join(out).rstrip() + "\n"


def replace_tables(document: str, tables: str, *, path: str | Path = "<guidelines>") -> str:
    """The document with the block between the taxonomy-table markers replaced by ``tables``."""
    start = document.find(START_MARKER)
    end = document.find(END_MARKER)
    if start == -1 or end == -1 or end < start:
        raise InputError(
            f"markers not found in order; the guidelines need a line {START_MARKER} "
            f"followed later by a line {END_MARKER}",
            path=path,
        )
    head = document[: start + len(START_MARKER)]
    return f"{head}\n{tables}{document[end:]}"


def render_guidelines(path: str | Path | None = None, taxonomy: Taxonomy | None = None) -> str:
    """The guidelines text as it should be: the current file with freshly generated tables."""
    p = Path(path) if path is not None else GUIDELINES_PATH
    try:
        document = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read guidelines: {exc.strerror}", path=p) from exc
    tax = taxonomy if taxonomy is not None else read_taxonomy()
    return replace_tables(document, render_tables(tax), path=p)


def update_guidelines(path: str | Path | None = None, taxonomy: Taxonomy | None = None) -> bool:
    """Rewrite the generated tables in the guidelines; returns True when the file changed."""
    p = Path(path) if path is not None else GUIDELINES_PATH
    new = render_guidelines(p, taxonomy)
    if new == p.read_text(encoding="utf-8"):
        return False
    write_text_atomic(p, new)
    return True
