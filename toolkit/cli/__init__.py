"""Command line: one thin command per public function; the only place errors become exit codes."""

from __future__ import annotations

from toolkit.cli.agreement import agreement_command
from toolkit.cli.app import cli, main
from toolkit.cli.baseline import baseline_group
from toolkit.cli.convert import convert_command, reanchor_command, schemas_command, validate_command
from toolkit.cli.labelstudio import labelstudio_group
from toolkit.cli.plover import plover_group
from toolkit.cli.preannotate import preannotate_group
from toolkit.cli.taxonomy import codebook_command, gazetteer_group

for _command in (
    convert_command,
    schemas_command,
    validate_command,
    reanchor_command,
    labelstudio_group,
    baseline_group,
    codebook_command,
    gazetteer_group,
    preannotate_group,
    agreement_command,
    plover_group,
):
    cli.add_command(_command)

__all__ = ["cli", "main"]
