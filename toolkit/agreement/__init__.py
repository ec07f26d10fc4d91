"""Inter-annotator agreement: matching, coefficients, unitizing, bootstrap, reports."""

from __future__ import annotations

from toolkit.agreement.layers import read_layers
from toolkit.agreement.report_files import write_agreement_report
from toolkit.agreement.review import review_tasks, write_review_tasks
from toolkit.agreement.study import compute_agreement

__all__ = [
    "compute_agreement",
    "read_layers",
    "review_tasks",
    "write_agreement_report",
    "write_review_tasks",
]
