"""The package layout stays readable: limits per module, class and function; one-way imports."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "toolkit"
MAX_MODULE_LINES = 800
MAX_CLASS_LINES = 300
MAX_FUNCTION_LINES = 80
STAGES = (
    "ingest",
    "dataset",
    "taxonomy",
    "annotations",
    "preannotate",
    "labelstudio",
    "agreement",
    "baseline",
    "report",
    "core",
)
MODULES = sorted(PACKAGE.rglob("*.py"))


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT)) for p in paths]


def _definitions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]:
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return [node for node in ast.walk(tree) if isinstance(node, kinds)]


def _length(node: ast.AST) -> int:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return int(node.end_lineno or node.lineno) - first + 1


@pytest.mark.parametrize("path", MODULES, ids=_ids(MODULES))
def test_module_stays_under_the_line_limit(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines"


@pytest.mark.parametrize("path", MODULES, ids=_ids(MODULES))
def test_functions_and_classes_stay_under_their_limits(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    too_long = []
    for node in _definitions(tree):
        limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
        if _length(node) > limit:
            too_long.append(f"{node.name} ({_length(node)} lines, limit {limit})")
    assert not too_long, f"{path.relative_to(ROOT)}: {', '.join(too_long)}"


def test_every_stage_is_a_package_and_only_cli_errors_sit_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "errors.py"]
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
    assert (PACKAGE / "cli" / "__init__.py").is_file()


def test_the_import_contract_names_every_stage() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = " | ".join(layer for c in contracts if c["type"] == "layers" for layer in c["layers"])
    named = {name.strip().removeprefix("toolkit.") for name in layers.split("|")}
    assert {*STAGES, "cli", "errors"} <= named
