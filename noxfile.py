"""Sessions: lint, typecheck and tests run by default; build makes the dataset and reports from seeds/."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False

ROOT = Path(__file__).resolve().parent
PYTHON = "3.11"


def install_toolkit(session: nox.Session, *extras: str) -> None:
    """Install the toolkit in editable mode (schemas/ stays next to the package) with extras."""
    spec = f".[{','.join(extras)}]" if extras else "."
    session.install("-e", spec)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", "toolkit", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "toolkit", "tests", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Type-check the package with mypy."""
    install_toolkit(session, "typecheck")
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the whole test suite."""
    install_toolkit(session, "test")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build the dataset and its reports from seeds/ and annotations/ into build/."""
    install_toolkit(session)
    out = ROOT / "build"
    session.run(
        "toolkit", "convert", "seeds", "--annotations", "annotations", "--out", str(out / "dataset")
    )


@nox.session(python=PYTHON)
def validate(session: nox.Session) -> None:
    """Validate annotations/ and the built dataset against the schemas and the texts."""
    install_toolkit(session)
    args = ["toolkit", "validate", "--annotations", "annotations"]
    if (ROOT / "build" / "dataset").exists():
        args += ["--dataset", "build/dataset"]
    session.run(*args)
