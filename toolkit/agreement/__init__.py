"""Inter-annotator agreement: matching, coefficients, unitizing, bootstrap, reports."""

from __future__ import annotations

from toolkit.agreement.compute import (
    compute_agreement,
    read_layers,
    review_tasks,
    write_agreement_report,
    write_review_tasks,
)

__all__ = [
    "compute_agreement",
    "read_layers",
    "review_tasks",
    "write_agreement_report",
    "write_review_tasks",
]
