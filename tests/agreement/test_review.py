"""Tests for toolkit.agreement.review: Label Studio review tasks."""

from __future__ import annotations

import json
from pathlib import Path

from toolkit.agreement.layers import Layers
from toolkit.agreement.review import review_tasks, write_review_tasks
from toolkit.agreement.study import compute_agreement


def test_review_tasks_are_label_studio_tasks(two_pass_layers: Layers, tmp_path: Path) -> None:
    result = compute_agreement(two_pass_layers, n_bootstrap=0)
    tasks = review_tasks(result)
    assert len(tasks) == result.data["disagreements"]["total"] == 3
    for task in tasks:
        assert set(task) == {"data", "predictions"}
        assert set(task["data"]) == {"text", "doc_id", "disagreement"}
        assert [p["model_version"] for p in task["predictions"]] == ["pass-a", "pass-b"]
        for p in task["predictions"]:
            for region in p["result"]:
                value = region["value"]
                quote = task["data"]["text"][value["start"] : value["end"]]
                assert region["type"] != "labels" or quote == value["text"]
    path = write_review_tasks(tmp_path / "review.json", tasks)
    assert json.loads(path.read_text()) == json.loads(json.dumps(tasks, sort_keys=True))
