"""Sessions: lint, typecheck and tests by default; build makes the dataset and reports."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = False

ROOT = Path(__file__).resolve().parent
PYTHON = "3.11"
CHROMIUM = "/usr/bin/chromium"


def install_toolkit(session: nox.Session, *extras: str) -> None:
    """Install the toolkit in editable mode (schemas/ stays next to the package) with extras."""
    spec = f".[{','.join(extras)}]" if extras else "."
    session.install("-e", spec)


def _server_module() -> types.ModuleType:
    """toolkit/labelstudio/server.py loaded by path: stdlib-only, unlike the rest of its package."""
    sys.path.insert(0, str(ROOT))  # for its one import, toolkit.errors
    path = ROOT / "toolkit" / "labelstudio" / "server.py"
    spec = importlib.util.spec_from_file_location("_toolkit_labelstudio_server", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def labelstudio_server(session: nox.Session, data_name: str) -> Iterator[dict[str, str]]:
    """Install Label Studio into .labelstudio/venv if needed, start it, yield the env for tests.

    The token comes from the 0600 settings file outside the repo and goes only into the
    environment of the commands run inside the block. SKIP_LABELSTUDIO=1 starts nothing.
    """
    if os.environ.get("SKIP_LABELSTUDIO") == "1":
        yield {}
        return
    lsserver = _server_module()

    layout = lsserver.default_layout(data_name)
    if not lsserver.venv_ready(layout):
        session.log(f"Installing Label Studio {lsserver.LS_VERSION} into {layout.venv}")
        lsserver.install_server(layout, python=str(Path(session.bin) / "python"))
    credentials = lsserver.ensure_credentials(lsserver.config_path())
    session.log(f"Starting Label Studio ({layout.data_dir}; log {layout.log_path})")
    with lsserver.running_server(layout, credentials) as server:
        session.log(f"Label Studio is up at {server.url}")
        yield {lsserver.URL_KEY: server.url, lsserver.API_KEY_KEY: credentials.api_key}


def ensure_chromium(session: nox.Session) -> None:
    """Install Debian's Chromium for the browser tests when it is missing (needs root and apt)."""
    if Path(CHROMIUM).exists():
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        session.error(
            f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)"
        )
    session.log("Installing Debian's chromium for the browser tests")
    session.run("apt-get", "update", "-qq", external=True)
    session.run(
        "apt-get",
        "install",
        "-y",
        "-qq",
        "--no-install-recommends",
        "chromium",
        external=True,
        env={"DEBIAN_FRONTEND": "noninteractive"},
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff, and one-way imports between stages (import-linter)."""
    session.install("ruff>=0.5", "import-linter>=2.1")
    session.run("ruff", "check", "toolkit", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "toolkit", "tests", "noxfile.py")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Type-check the package with mypy."""
    install_toolkit(session, "typecheck")
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the whole test suite against a real local Label Studio (installed once, ~2 min)."""
    install_toolkit(session, "test")
    ensure_chromium(session)
    with labelstudio_server(session, "test-data") as ls_env:
        session.run("pytest", *session.posargs, env=ls_env)


@nox.session(python=PYTHON)
def build(session: nox.Session) -> None:
    """Build the dataset and every report from seeds/ and annotations/ into build/."""
    install_toolkit(session)
    dataset, reports = "build/dataset", "build/reports"
    # Pass 1 gives the texts the rule-based suggestions are made on; pass 2 includes them.
    session.run("toolkit", "convert", "seeds", "--out", dataset)
    session.run("toolkit", "preannotate", "run", dataset, "--out", "annotations")
    session.run("toolkit", "convert", "seeds", "--annotations", "annotations", "--out", dataset)
    session.run("toolkit", "validate", "--annotations", "annotations", "--dataset", dataset)
    session.run(
        "toolkit", "preannotate", "score", dataset, "--annotations", "annotations", "--out", reports
    )
    session.run(
        "toolkit",
        "agreement",
        dataset,
        "--out",
        reports,
        "--review-tasks",
        f"{reports}/review_tasks.json",
    )
    session.run(
        "toolkit",
        "baseline",
        "evaluate",
        dataset,
        "--agreement",
        f"{reports}/agreement.json",
        "--out",
        reports,
    )
    session.run("toolkit", "baseline", "train", dataset, "--out", "build/models/baseline")
    session.run(
        "toolkit",
        "baseline",
        "predict",
        "build/models/baseline",
        dataset,
        "--out",
        "build/predictions",
    )
    session.log(f"Dataset in {dataset}/, reports in {reports}/ (open agreement.html).")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmark `toolkit convert` on generated articles against a pyarrow read-and-write floor.

    Prints articles/s, MB/s, peak RSS of the conversion and convert/floor time ratio, by
    default at 10,000 and 100,000 articles; `nox -s bench -- --articles 10000` runs one size.
    """
    install_toolkit(session)
    session.run("python", str(ROOT / "tests" / "bench" / "bench_convert.py"), *session.posargs)


@nox.session(python=PYTHON)
def labelstudio(session: nox.Session) -> None:
    """Serve Label Studio 1.23.2 (own venv in .labelstudio/, installed once) until Ctrl-C.

    `nox -s labelstudio -- --port 8081` passes options to `toolkit labelstudio serve`.
    """
    install_toolkit(session)
    session.run("toolkit", "labelstudio", "serve", *session.posargs)


@nox.session(python=PYTHON)
def bench_labelstudio(session: nox.Session) -> None:
    """Benchmark `toolkit labelstudio push` against bare import_tasks on 10,000 tasks.

    Starts its own server on .labelstudio/bench-data; prints tasks/s and the overhead.
    """
    install_toolkit(session)
    with labelstudio_server(session, "bench-data") as ls_env:
        session.run(
            "python",
            str(ROOT / "tests" / "bench" / "bench_labelstudio.py"),
            *session.posargs,
            env=ls_env,
        )


@nox.session(python=PYTHON)
def bench_preannotate(session: nox.Session) -> None:
    """Benchmark the rule-based pre-annotator: articles/s on one core (target >= 2,000).

    Annotates 20,000 articles derived from seeds/ (paragraphs rotated) and prints articles/s
    next to a floor measured in the same run; `nox -s bench_preannotate -- 5000` sets the size.
    """
    install_toolkit(session)
    session.run("python", str(ROOT / "tests" / "bench" / "bench_preannotate.py"), *session.posargs)


@nox.session(python=PYTHON)
def bench_agreement(session: nox.Session) -> None:
    """Benchmark `toolkit agreement` on 1,000,000 generated spans from three annotators.

    Prints wall time, CPU time and peak memory of the full report without bootstrap and with
    1,000 resamples (targets 30 s and 60 s, 2 GiB) next to a read-only floor measured in the
    same run; `nox -s bench_agreement -- --spans 100000` sets the size.
    """
    install_toolkit(session)
    session.run("python", str(ROOT / "tests" / "bench" / "bench_agreement.py"), *session.posargs)


@nox.session(python=PYTHON)
def bench_baseline(session: nox.Session) -> None:
    """Benchmark the scikit-learn baselines on generated data (not run by default).

    Prints training time on 100,000 sentences (target < 2 min) and prediction throughput of all
    three models (target >= 5,000 sentences/s), each with its peak RSS and a floor measured in
    the same run; `nox -s bench_baseline -- --sentences 20000` sets the training size.
    """
    install_toolkit(session)
    session.run("python", str(ROOT / "tests" / "bench" / "bench_baseline.py"), *session.posargs)


@nox.session(python=PYTHON)
def validate(session: nox.Session) -> None:
    """Validate annotations/ and the built dataset against the schemas and the texts."""
    install_toolkit(session)
    args = ["toolkit", "validate", "--annotations", "annotations"]
    if (ROOT / "build" / "dataset").exists():
        args += ["--dataset", "build/dataset"]
    session.run(*args)


@nox.session(python=False)
def dev(session: nox.Session) -> None:
    """Make .venv with the toolkit (editable) and its test tools; then `source .venv/bin/activate`.

    After that the `toolkit` command of the README works in that shell; rerun after changing
    pyproject.toml.
    """
    venv = ROOT / ".venv"
    python = venv / "bin" / "python"
    if not python.exists():
        session.run(sys.executable, "-m", "venv", str(venv), external=True)
    extras = ".[test,typecheck,lint]"
    session.run(str(python), "-m", "pip", "install", "--quiet", "-e", extras, external=True)
    session.log(f"Ready: `source {venv.relative_to(ROOT)}/bin/activate`, then `toolkit --help`.")
