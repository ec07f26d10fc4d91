"""Report pages and files: a self-contained HTML page, report JSON, atomic report files."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from toolkit.core import write_text_atomic
from toolkit.errors import ToolkitError
from toolkit.report.tables import escape_html

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;
margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222;line-height:1.45}
h1,h2,h3{line-height:1.2}h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table.report{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
table.report caption{text-align:left;font-weight:600;padding:.3rem 0}
table.report th,table.report td{border:1px solid #ddd;padding:.25rem .5rem;vertical-align:top}
table.report th{background:#f3f3f3;text-align:left}
table.report td.num{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer}
table.sortable th[aria-sort=ascending]::after{content:" \\25B2"}
table.sortable th[aria-sort=descending]::after{content:" \\25BC"}
svg.chart{display:block;margin:1rem 0;max-width:100%;height:auto}
.note{color:#555;font-size:.9rem}
code{background:#f5f5f5;padding:0 .2rem}
"""


def html_page(title: str, body_html: str) -> str:
    """A self-contained HTML page: inline CSS, no external resources, viewable offline."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape_html(title)}</title><style>{_CSS}</style></head>\n"
        f"<body><h1>{escape_html(title)}</h1>\n{body_html}\n</body></html>\n"
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays
    if callable(tolist):
        return tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps_report_json(data: Mapping[str, Any]) -> str:
    """Report data as JSON: sorted keys, indent 2; NaN is refused (use null and a reason)."""
    return (
        json.dumps(
            data,
            sort_keys=True,
            indent=2,
            ensure_ascii=False,
            allow_nan=False,
            default=_json_default,
        )
        + "\n"
    )


def write_report(
    out_dir: Path, stem: str, *, data: Mapping[str, Any], markdown: str, html: str
) -> dict[str, Path]:
    """Write ``stem.json`` (sorted keys, indent 2), ``stem.md`` and ``stem.html`` atomically."""
    out = Path(out_dir)
    paths = {"json": out / f"{stem}.json", "md": out / f"{stem}.md", "html": out / f"{stem}.html"}
    try:
        content = dumps_report_json(data)
    except (TypeError, ValueError) as exc:
        raise ToolkitError(
            f"report data cannot be written as JSON ({exc}); use null with a reason for "
            "undefined values",
            path=paths["json"],
        ) from exc
    try:
        write_text_atomic(paths["json"], content)
        write_text_atomic(paths["md"], markdown if markdown.endswith("\n") else markdown + "\n")
        write_text_atomic(paths["html"], html)
    except OSError as exc:
        raise ToolkitError(f"cannot write report: {exc.strerror}", path=out) from exc
    return paths
