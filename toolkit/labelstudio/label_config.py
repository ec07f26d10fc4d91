"""The Label Studio labeling config generated from the taxonomy."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from toolkit.taxonomy import Attribute, Label, Taxonomy

TEXT_NAME = "text"
LABELS_NAME = "label"
SELECT_LAYOUT_OVER = 8
"""Choice lists longer than this render as a drop-down instead of radio buttons."""


def control_name(label: str, attribute: str) -> str:
    """Name of the per-region control that holds one attribute of one label."""
    return f"{label.lower()}_{attribute}"


def control_map(taxonomy: Taxonomy) -> dict[str, tuple[str, Attribute]]:
    """Control name -> (label, attribute), for reading results back."""
    return {
        control_name(label.name, attr.name): (label.name, attr)
        for label in taxonomy.labels.values()
        for attr in label.attributes
    }


def _choice_caption(attr: Attribute, value: str) -> str:
    if attr.depends_on:
        parents = sorted(p for p, modes in attr.values_by_parent.items() if value in modes)
        return f"{value} ({', '.join(parents)})"
    name = attr.values.get(value, "")
    if name and len(attr.values) > SELECT_LAYOUT_OVER:
        return f"{value} — {name}"
    return value


def _attribute_tag(label: Label, attr: Attribute) -> list[str]:
    common = (
        f'name="{control_name(label.name, attr.name)}" toName="{TEXT_NAME}" perRegion="true" '
        f'visibleWhen="region-selected" whenLabelValue="{label.name}"'
        + (' required="true"' if attr.required else "")
    )
    caption = attr.name + (" (required)" if attr.required else "")
    lines = [f'      <Header value={quoteattr(caption)} size="6"/>']
    if attr.is_choice:
        many = len(attr.values) > SELECT_LAYOUT_OVER
        layout = ' layout="select"' if many else ' showInline="true"'
        kind = "multiple" if attr.is_multi else "single"
        lines.append(f'      <Choices {common} choice="{kind}"{layout}>')
        for value in attr.values:
            caption_value = _choice_caption(attr, value)
            hint = attr.values.get(value, "") if not attr.depends_on else ""
            alias = f" alias={quoteattr(value)}" if caption_value != value else ""
            hint_attr = f" hint={quoteattr(hint)}" if hint and hint != value else ""
            lines.append(f"        <Choice value={quoteattr(caption_value)}{alias}{hint_attr}/>")
        lines.append("      </Choices>")
    else:
        placeholder = attr.description or attr.name
        lines.append(
            f'      <TextArea {common} maxSubmissions="1" editable="true" rows="1" '
            f"placeholder={quoteattr(placeholder)}/>"
        )
    return lines


def make_label_config(taxonomy: Taxonomy) -> str:
    """The Label Studio labeling config for the taxonomy (labels, per-region attributes, holder)."""
    header = (
        f"Codebook {taxonomy.codebook_version} · taxonomy {taxonomy.name} "
        f"{taxonomy.taxonomy_version} ({taxonomy.short_hash})"
    )
    lines = [
        "<View>",
        "  <Style>.htx-richtext { white-space: pre-wrap; }</Style>",
        f'  <Header value={quoteattr(header)} size="5"/>',
        '  <Header value="$title" size="4"/>',
        f'  <Labels name="{LABELS_NAME}" toName="{TEXT_NAME}">',
    ]
    for label in taxonomy.labels.values():
        hotkey = f' hotkey="{label.hotkey}"' if label.hotkey else ""
        lines.append(
            f'    <Label value="{label.name}" background="{label.color}"{hotkey} '
            f"hint={quoteattr(label.description)}/>"
        )
    lines += ["  </Labels>", f'  <Text name="{TEXT_NAME}" value="$text"/>']
    if taxonomy.relations:
        lines.append("  <Relations>")
        lines += [f'    <Relation value="{name}"/>' for name in taxonomy.relations]
        lines.append("  </Relations>")
    for label in taxonomy.labels.values():
        if not label.attributes:
            continue
        lines.append(f'  <View visibleWhen="region-selected" whenLabelValue="{label.name}">')
        lines.append(f'    <Header value="{label.name} attributes" size="5"/>')
        for attr in label.attributes:
            lines += _attribute_tag(label, attr)
        lines.append("  </View>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"
