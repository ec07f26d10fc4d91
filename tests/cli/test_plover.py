"""The plover commands through the CLI: summary lines and errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from toolkit.cli import cli


def test_import_prints_what_it_made_and_what_it_rejected(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    good = {
        "id": "r1",
        "event": "ACCUSE",
        "text": "Iran accused Iraq.",
        "source": [{"actorText": "Iran", "code": "IRN"}],
        "textInfo": {"markup": "(SRC: Iran) (EVT: accused) Iraq."},
    }
    records.write_text(
        json.dumps(good) + "\n" + json.dumps({"id": "r2", "event": "DOCUMENT"}) + "\n"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["plover", "import", str(records), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"2 record(s): 1 event(s) in 1 document(s) of layer plover-gold; 1 rejected, "
        f"0 with values not kept (see {out}/plover-import-report.json).\n"
    )


def test_import_of_broken_json_is_an_error_with_line_and_column(tmp_path: Path) -> None:
    records = tmp_path / "records.txt"
    records.write_text('[\n{"id": "r1",,}\n]\n')
    result = CliRunner().invoke(
        cli, ["plover", "import", str(records), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {records}:2: not valid JSON even with trailing commas allowed: "
        "Expecting property name enclosed in double quotes at line 2, column 14\n"
    )
