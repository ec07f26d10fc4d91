"""The one taxonomy: labels, attributes and allowed values, read from schemas/taxonomy.json."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from toolkit.errors import TaxonomyError

TAXONOMY_PATH = Path(__file__).resolve().parents[2] / "schemas" / "taxonomy.json"
MULTI_CHOICE = "multi_choice"
CHOICE_TYPES = ("choice", MULTI_CHOICE)
ATTRIBUTE_TYPES = ("string", *CHOICE_TYPES)


@dataclass(frozen=True)
class Attribute:
    """One attribute of a label: a free string (maybe with a pattern) or a choice."""

    name: str
    type: str
    required: bool
    description: str
    values: dict[str, str] = field(default_factory=dict)
    pattern: str | None = None
    ordinal: bool = False
    depends_on: str | None = None
    values_by_parent: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def is_choice(self) -> bool:
        """True when the attribute takes its value or values from a closed list."""
        return self.type in CHOICE_TYPES

    @property
    def is_multi(self) -> bool:
        """True when the attribute takes a list of distinct values (PLOVER's context)."""
        return self.type == MULTI_CHOICE

    def allowed(self, parent_value: str | None = None) -> tuple[str, ...]:
        """Valid values, narrowed to the parent's value when the attribute depends on another."""
        if self.depends_on and parent_value is not None:
            return self.values_by_parent.get(parent_value, ())
        return tuple(self.values)


@dataclass(frozen=True)
class Label:
    """A span label and its attributes, in taxonomy order."""

    name: str
    description: str
    color: str
    hotkey: str
    attributes: tuple[Attribute, ...]

    def attribute(self, name: str) -> Attribute:
        """The attribute called ``name``; raises TaxonomyError naming the valid ones."""
        for attr in self.attributes:
            if attr.name == name:
                return attr
        valid = ", ".join(a.name for a in self.attributes)
        raise TaxonomyError(f"label {self.name} has no attribute {name!r}; valid: {valid}")


@dataclass(frozen=True)
class Relation:
    """A directed relation type between two span labels."""

    name: str
    description: str
    from_label: str
    to_label: str
    required_for: tuple[str, ...]
    max_per_span: int | None
    """At most this many relations of the type leave one span; None: no limit."""

    def exceeds(self, n: int) -> bool:
        """True when ``n`` relations of this type leaving one span are too many."""
        return self.max_per_span is not None and n > self.max_per_span

    @property
    def limit_text(self) -> str:
        """The limit for messages and tables ("no limit" when unbounded)."""
        return "no limit" if self.max_per_span is None else str(self.max_per_span)


@dataclass(frozen=True)
class Taxonomy:
    """Resolved taxonomy: every value set expanded, ready for schemas, configs and checks."""

    name: str
    taxonomy_version: str
    codebook_version: str
    labels: dict[str, Label]
    relations: dict[str, Relation]
    raw: dict[str, Any]
    sha256: str

    @property
    def label_names(self) -> tuple[str, ...]:
        """Label names in taxonomy order."""
        return tuple(self.labels)

    @property
    def attribute_names(self) -> tuple[str, ...]:
        """Every attribute name across labels, first-seen order, each once (Parquet fields)."""
        seen: dict[str, None] = {}
        for label in self.labels.values():
            for attr in label.attributes:
                seen.setdefault(attr.name, None)
        return tuple(seen)

    @property
    def short_hash(self) -> str:
        """First 12 hex digits of the taxonomy hash, for display."""
        return self.sha256[:12]

    def label(self, name: str) -> Label:
        """The label called ``name``; raises TaxonomyError naming the valid ones."""
        try:
            return self.labels[name]
        except KeyError:
            valid = ", ".join(self.labels)
            raise TaxonomyError(f"unknown label {name!r}; valid: {valid}") from None

    def check_attributes(
        self, label_name: str, attributes: dict[str, Any], *, complete: bool = True
    ) -> list[str]:
        """Meaning-level problems with one span's attributes (empty list when valid).

        ``complete=False`` accepts missing required attributes (suggestions to be completed).
        """
        if label_name not in self.labels:
            return [f"unknown label {label_name!r}; valid: {', '.join(self.labels)}"]
        label = self.labels[label_name]
        problems: list[str] = []
        known = {a.name for a in label.attributes}
        for key in attributes:
            if key not in known:
                problems.append(
                    f"{label_name} has no attribute {key!r}; valid: {', '.join(sorted(known))}"
                )
        for attr in label.attributes:
            value = attributes.get(attr.name)
            if value is None or value == "" or value == []:
                if attr.required and complete:
                    problems.append(f"{label_name} attribute {attr.name!r} is required")
                continue
            if attr.is_multi:
                problems += _check_multi(label_name, attr, value)
                continue
            if not isinstance(value, str):
                problems.append(f"{label_name} attribute {attr.name!r} must be a string")
                continue
            if attr.is_choice:
                parent = attributes.get(attr.depends_on) if attr.depends_on else None
                allowed = attr.allowed(parent if isinstance(parent, str) else None)
                if value not in allowed:
                    problems.append(
                        f"{label_name} attribute {attr.name!r} has value {value!r}; "
                        f"valid: {_preview(allowed)}"
                        + (f" (for {attr.depends_on} {parent})" if attr.depends_on else "")
                    )
            elif attr.pattern and not re.fullmatch(attr.pattern, value):
                problems.append(
                    f"{label_name} attribute {attr.name!r} value {value!r} "
                    f"does not match {attr.pattern}"
                )
        return problems


def _check_multi(label_name: str, attr: Attribute, value: Any) -> list[str]:
    """Problems with a multi-valued attribute: a list of distinct allowed strings."""
    where = f"{label_name} attribute {attr.name!r}"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [f"{where} must be a list of strings (several values allowed)"]
    problems = [
        f"{where} has value {v!r}; valid: {_preview(attr.allowed())}"
        for v in value
        if v not in attr.values
    ]
    if len(set(value)) != len(value):
        problems.append(f"{where} lists a value twice: {value}")
    return problems


def _preview(values: tuple[str, ...], limit: int = 20) -> str:
    if not values:
        return "(none for this choice)"
    shown = ", ".join(values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def _resolve_value_set(name: str, spec: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    source = spec.get("from")
    if source == "iso3166-1-alpha3":
        import pycountry

        for country in sorted(pycountry.countries, key=lambda c: c.alpha_3):
            values[country.alpha_3] = getattr(country, "common_name", None) or country.name
    elif source is not None:
        raise TaxonomyError(
            f"value set {name!r}: unknown source {source!r}; valid: iso3166-1-alpha3"
        )
    values.update(spec.get("values", {}))
    values.update(spec.get("extra", {}))
    return values


def _parse_attribute(
    label_name: str,
    attr_name: str,
    a: dict[str, Any],
    value_sets: dict[str, dict[str, str]],
    path: str,
) -> Attribute:
    """One label attribute, its values taken from a value set, a list or per-category modes."""
    values: dict[str, str] = {}
    by_parent: dict[str, tuple[str, ...]] = {}
    if "value_set" in a:
        if a["value_set"] not in value_sets:
            raise TaxonomyError(
                f"attribute {label_name}.{attr_name} uses unknown value set "
                f"{a['value_set']!r}; valid: {', '.join(value_sets)}",
                path=path,
            )
        values = value_sets[a["value_set"]]
    elif "values" in a:
        values = dict(a["values"])
    elif "values_by_category" in a:
        by_parent = {k: tuple(v) for k, v in a["values_by_category"].items()}
        for modes in by_parent.values():
            for mode in modes:
                values.setdefault(mode, mode)
    if a["type"] not in ATTRIBUTE_TYPES:
        raise TaxonomyError(
            f"attribute {label_name}.{attr_name} has type {a['type']!r}; "
            f"valid: {', '.join(ATTRIBUTE_TYPES)}",
            path=path,
        )
    if a["type"] in CHOICE_TYPES and not values:
        raise TaxonomyError(f"choice attribute {label_name}.{attr_name} has no values", path=path)
    return Attribute(
        name=attr_name,
        type=a["type"],
        required=bool(a.get("required", False)),
        description=a.get("description", ""),
        values=values,
        pattern=a.get("pattern"),
        ordinal=bool(a.get("ordinal", False)),
        depends_on=a.get("depends_on"),
        values_by_parent=by_parent,
    )


def _parse_labels(
    raw: dict[str, Any], value_sets: dict[str, dict[str, str]], path: str
) -> dict[str, Label]:
    labels: dict[str, Label] = {}
    for label_name, label_spec in raw["labels"].items():
        attrs = [
            _parse_attribute(label_name, attr_name, a, value_sets, path)
            for attr_name, a in label_spec.get("attributes", {}).items()
        ]
        labels[label_name] = Label(
            name=label_name,
            description=label_spec.get("description", ""),
            color=label_spec.get("color", "#777777"),
            hotkey=label_spec.get("hotkey", ""),
            attributes=tuple(attrs),
        )
    return labels


def _parse_relations(raw: dict[str, Any], path: str) -> dict[str, Relation]:
    return {
        name: Relation(
            name=name,
            description=r.get("description", ""),
            from_label=r["from_label"],
            to_label=r["to_label"],
            required_for=tuple(r.get("required_for", ())),
            max_per_span=_max_per_span(name, r.get("max_per_span", 1), path),
        )
        for name, r in raw.get("relations", {}).items()
    }


def _max_per_span(name: str, value: Any, path: str) -> int | None:
    """A relation's limit per span: a positive integer, or null / 0 for no limit."""
    if value is None or value == 0:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TaxonomyError(
            f"relation {name!r}: max_per_span {value!r} is not valid; "
            "valid: a positive integer, or null or 0 for no limit",
            path=path,
        )
    return value


def _resolved_sha256(
    raw: dict[str, Any], labels: dict[str, Label], relations: dict[str, Relation]
) -> str:
    """Hash of what the taxonomy means (not how its file is laid out)."""
    resolved = {
        "labels": {
            n: {
                "attributes": {
                    a.name: {
                        "type": a.type,
                        "required": a.required,
                        "values": sorted(a.values),
                        "pattern": a.pattern,
                        "by_parent": {k: list(v) for k, v in sorted(a.values_by_parent.items())},
                    }
                    for a in lab.attributes
                }
            }
            for n, lab in labels.items()
        },
        "relations": {n: [r.from_label, r.to_label, r.max_per_span] for n, r in relations.items()},
        "versions": [raw.get("taxonomy_version"), raw.get("codebook_version")],
    }
    return hashlib.sha256(
        json.dumps(resolved, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def parse_taxonomy(raw: dict[str, Any], *, path: str = "<taxonomy>") -> Taxonomy:
    """Resolve a taxonomy document (value sets expanded, dependent choices indexed)."""
    try:
        value_sets = {
            name: _resolve_value_set(name, spec) for name, spec in raw.get("value_sets", {}).items()
        }
        labels = _parse_labels(raw, value_sets, path)
        relations = _parse_relations(raw, path)
    except KeyError as exc:
        raise TaxonomyError(f"missing key {exc.args[0]!r}", path=path) from exc
    for rel in relations.values():
        for end in (rel.from_label, rel.to_label):
            if end not in labels:
                raise TaxonomyError(
                    f"relation {rel.name!r} refers to unknown label {end!r}", path=path
                )
    return Taxonomy(
        name=raw.get("name", "taxonomy"),
        taxonomy_version=str(raw.get("taxonomy_version", "0")),
        codebook_version=str(raw.get("codebook_version", "0")),
        labels=labels,
        relations=relations,
        raw=raw,
        sha256=_resolved_sha256(raw, labels, relations),
    )


def read_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read and resolve the taxonomy file (default: the project's schemas/taxonomy.json)."""
    p = Path(path) if path is not None else TAXONOMY_PATH
    return _read_cached(str(p.resolve()))


@cache
def _read_cached(path: str) -> Taxonomy:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TaxonomyError("taxonomy file not found", path=path) from exc
    except json.JSONDecodeError as exc:
        raise TaxonomyError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from exc
    return parse_taxonomy(raw, path=path)
