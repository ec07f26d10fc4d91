"""Sessions: lint, typecheck and tests by default; build makes the dataset and reports."""

from __future__ import annotations

import contextlib
import hashlib
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


SHARED_ENV = ROOT / ".nox" / "toolkit"
SHARED_EXTRAS = "test,typecheck,ray"


class ToolkitEnv:
    """The one virtualenv (.nox/toolkit) that every session running the toolkit shares.

    label-studio-sdk alone brings about 1 GB (opencv, pandas, nltk); one environment instead of
    one per session saves that many times over, and the install time with it.
    """

    def __init__(self, session: nox.Session, location: Path) -> None:
        self.session, self.location = session, location
        self.bin = location / "bin"
        self.python = str(self.bin / "python")

    def run(self, *args: str, env: dict[str, str] | None = None) -> None:
        """Run a command of this environment (its bin/ first on PATH) from the project root."""
        program = self.bin / args[0]
        command = (str(program), *args[1:]) if program.exists() else args
        path = f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}"
        full_env = {"PATH": path, "VIRTUAL_ENV": str(self.location), **(env or {})}
        self.session.run(*command, env=full_env, external=True)


def toolkit_env(session: nox.Session) -> ToolkitEnv:
    """Make or update the shared environment: the toolkit (editable) with its test and type tools.

    It is reinstalled only when pyproject.toml changed since the last install.
    """
    shared = ToolkitEnv(session, SHARED_ENV)
    stamp = SHARED_ENV / ".pyproject.sha256"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not Path(shared.python).exists():
        interpreter = shutil.which(f"python{PYTHON}") or sys.executable
        session.run(interpreter, "-m", "venv", str(SHARED_ENV), external=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        spec = f".[{SHARED_EXTRAS}]"
        session.run(shared.python, "-m", "pip", "install", "--quiet", "-e", spec, external=True)
        stamp.write_text(wanted)
    return shared


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
def labelstudio_server(
    session: nox.Session, data_name: str, python: str
) -> Iterator[dict[str, str]]:
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
        lsserver.install_server(layout, python=python)
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


@nox.session(python=False)
def typecheck(session: nox.Session) -> None:
    """Type-check the package with mypy."""
    env = toolkit_env(session)
    env.run("mypy")


@nox.session(python=False)
def tests(session: nox.Session) -> None:
    """Run the whole test suite against a real local Label Studio (installed once, ~2 min)."""
    env = toolkit_env(session)
    ensure_chromium(session)
    with labelstudio_server(session, "test-data", env.python) as ls_env:
        env.run("pytest", *session.posargs, env=ls_env)


@nox.session(python=False)
def build(session: nox.Session) -> None:
    """Build the dataset and every report from seeds/ and annotations/ into build/."""
    env = toolkit_env(session)
    dataset, reports = "build/dataset", "build/reports"
    # Pass 1 gives the texts the rule-based suggestions are made on; pass 2 includes them.
    env.run("toolkit", "convert", "seeds", "--out", dataset)
    env.run("toolkit", "preannotate", "run", dataset, "--out", "annotations")
    env.run("toolkit", "convert", "seeds", "--annotations", "annotations", "--out", dataset)
    env.run("toolkit", "validate", "--annotations", "annotations", "--dataset", dataset)
    env.run(
        "toolkit", "preannotate", "score", dataset, "--annotations", "annotations", "--out", reports
    )
    env.run(
        "toolkit",
        "preannotate",
        "arguments",
        dataset,
        "--annotations",
        "annotations",
        "--out",
        reports,
    )
    env.run(
        "toolkit",
        "agreement",
        dataset,
        "--out",
        reports,
        "--review-tasks",
        f"{reports}/review_tasks.json",
    )
    env.run(
        "toolkit",
        "baseline",
        "evaluate",
        dataset,
        "--agreement",
        f"{reports}/agreement.json",
        "--out",
        reports,
    )
    env.run("toolkit", "baseline", "train", dataset, "--out", "build/models/baseline")
    env.run(
        "toolkit",
        "baseline",
        "predict",
        "build/models/baseline",
        dataset,
        "--out",
        "build/predictions",
    )
    session.log(f"Dataset in {dataset}/, reports in {reports}/ (open agreement.html).")


@nox.session(python=False)
def plover(session: nox.Session) -> None:
    """Import the PLOVER gold records, pre-annotate them and score the argument suggestions.

    Prints precision, recall and F1 per role (source, target, location; exact and overlap
    matching; country codes found) of layer rules-v1, and of the argument heuristic alone on
    the gold spans; then exports the gold layer back to PLOVER JSON lines.
    """
    env = toolkit_env(session)
    out = ROOT / "build" / "plover"
    shutil.rmtree(out, ignore_errors=True)
    gold_file = "tests/data/plover/PLOVER_GSR_CAMEO.txt"
    dataset, annotations = f"{out}/dataset", f"{out}/annotations"
    env.run("toolkit", "plover", "import", gold_file, "--out", str(out))
    env.run("toolkit", "convert", f"{out}/articles", "--annotations", annotations, "--out", dataset)
    env.run("toolkit", "validate", "--annotations", annotations, "--dataset", dataset)
    env.run("toolkit", "preannotate", "run", dataset, "--out", annotations)
    env.run(
        "toolkit",
        "preannotate",
        "arguments",
        dataset,
        "--annotations",
        annotations,
        "--gold",
        "plover-gold",
        "--given-gold-spans",
    )
    env.run(
        "toolkit",
        "plover",
        "export",
        f"{annotations}/plover-gold",
        "--dataset",
        dataset,
        "--index",
        f"{out}/plover-index.jsonl",
        "--out",
        f"{out}/plover-gold.jsonl",
    )
    session.log(
        f"Scores in {dataset}/argument_scores.md; import report {out}/plover-import-report.json."
    )


@nox.session(python=False)
def bench(session: nox.Session) -> None:
    """Benchmark `toolkit convert` on generated articles against a pyarrow read-and-write floor.

    Prints articles/s, MB/s, peak RSS of the conversion and convert/floor time ratio, by
    default at 10,000 and 100,000 articles; `nox -s bench -- --articles 10000` runs one size.
    """
    env = toolkit_env(session)
    env.run("python", str(ROOT / "tests" / "bench" / "bench_convert.py"), *session.posargs)


@nox.session(python=False)
def labelstudio(session: nox.Session) -> None:
    """Serve Label Studio 1.23.2 (own venv in .labelstudio/, installed once) until Ctrl-C.

    `nox -s labelstudio -- --port 8081` passes options to `toolkit labelstudio serve`.
    """
    env = toolkit_env(session)
    env.run("toolkit", "labelstudio", "serve", *session.posargs)


@nox.session(python=False)
def bench_scale(session: nox.Session) -> None:
    """Benchmark `toolkit convert --engine local` against `--engine ray` on generated articles.

    Prints articles/s of both, the Ray/local ratio (target >= 0.9 on one machine), the peak RSS
    of the driver and of each Ray worker, and checks the tables are the same; 10,000 articles
    by default, `nox -s bench_scale -- --articles 100000` (or 1000000, hours) sets the size.
    The shared environment installs the ray extra.
    """
    env = toolkit_env(session)
    env.run("python", str(ROOT / "tests" / "bench" / "bench_scale.py"), *session.posargs)


@nox.session(python=False)
def bench_labelstudio(session: nox.Session) -> None:
    """Benchmark `toolkit labelstudio push` against bare import_tasks on 10,000 tasks.

    Starts its own server on .labelstudio/bench-data; prints tasks/s and the overhead.
    """
    env = toolkit_env(session)
    with labelstudio_server(session, "bench-data", env.python) as ls_env:
        env.run(
            "python",
            str(ROOT / "tests" / "bench" / "bench_labelstudio.py"),
            *session.posargs,
            env=ls_env,
        )


@nox.session(python=False)
def bench_preannotate(session: nox.Session) -> None:
    """Benchmark the rule-based pre-annotator: articles/s on one core (target >= 2,000).

    Annotates 20,000 articles derived from seeds/ (paragraphs rotated) and prints articles/s
    next to a floor measured in the same run; `nox -s bench_preannotate -- 5000` sets the size.
    """
    env = toolkit_env(session)
    env.run("python", str(ROOT / "tests" / "bench" / "bench_preannotate.py"), *session.posargs)


@nox.session(python=False)
def quality(session: nox.Session) -> None:
    """Print rules and baseline models side by side: seeds (IN SAMPLE) and PLOVER (out of sample).

    Span exact F1 per label against the seeds' gold with `toolkit agreement` intervals (in
    sample: the rules were written on the seeds, the models trained on them), and on the 322
    PLOVER gold records the shares of sentences with no event, with the gold category, and of
    country codes found (bootstrap intervals over records). A held-out row scores the dataset at
    QUALITY_HELDOUT_DATASET (20 blind-annotated articles, not in this sandbox).
    `nox -s quality -- build/quality` keeps the intermediate files there.
    """
    env = toolkit_env(session)
    env.run("python", str(ROOT / "tests" / "bench" / "quality.py"), *session.posargs)


@nox.session(python=False)
def bench_agreement(session: nox.Session) -> None:
    """Benchmark `toolkit agreement` on 1,000,000 generated spans from three annotators.

    Prints wall time, CPU time and peak memory of the full report without bootstrap and with
    1,000 resamples (targets 30 s and 60 s, 2 GiB) next to a read-only floor measured in the
    same run; `nox -s bench_agreement -- --spans 100000` sets the size.
    """
    env = toolkit_env(session)
    env.run("python", str(ROOT / "tests" / "bench" / "bench_agreement.py"), *session.posargs)


@nox.session(python=False)
def bench_baseline(session: nox.Session) -> None:
    """Benchmark the scikit-learn baselines on generated data (not run by default).

    Prints training time on 100,000 sentences (target < 2 min) and prediction throughput of all
    three models (target >= 5,000 sentences/s), each with its peak RSS and a floor measured in
    the same run; `nox -s bench_baseline -- --sentences 20000` sets the training size.
    """
    env = toolkit_env(session)
    env.run("python", str(ROOT / "tests" / "bench" / "bench_baseline.py"), *session.posargs)


@nox.session(python=False)
def extraction(session: nox.Session) -> None:
    """Score main-content extraction on ../shared/data/extraction-dev: toolkit vs trafilatura.

    Converts the 60 real news pages with parse_article and with trafilatura's default extract in
    the same run; prints F1, precision, recall and pages per CPU second of both, on the
    development two thirds and the held-out third (SHA-256 of the key divisible by 3), and the
    toolkit's ten worst pages of each (targets: F1 >= 0.95, at least trafilatura's speed);
    `nox -s extraction -- --data DIR` reads another copy of the data.
    """
    env = toolkit_env(session)
    env.run("python", str(ROOT / "tests" / "bench" / "bench_extraction.py"), *session.posargs)


@nox.session(python=False)
def validate(session: nox.Session) -> None:
    """Validate annotations/ and the built dataset against the schemas and the texts."""
    env = toolkit_env(session)
    args = ["toolkit", "validate", "--annotations", "annotations"]
    if (ROOT / "build" / "dataset").exists():
        args += ["--dataset", "build/dataset"]
    env.run(*args)


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
