"""Writing the agreement report files."""

from __future__ import annotations

from pathlib import Path

from toolkit import report
from toolkit.agreement.report_html import render_html
from toolkit.agreement.report_markdown import render_markdown
from toolkit.agreement.study import AgreementResult


def write_agreement_report(out_dir: str | Path, result: AgreementResult) -> dict[str, Path]:
    """Write agreement.json, agreement.md and agreement.html into ``out_dir``."""
    return report.write_report(
        Path(out_dir),
        "agreement",
        data=result.data,
        markdown=render_markdown(result.data),
        html=render_html(result.data),
    )
