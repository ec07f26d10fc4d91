"""The labelstudio commands: serve, config, push, pull."""

from __future__ import annotations

import sys
from typing import Any

import click

from toolkit.cli.app import DATASET_DIR, EXIT_PROBLEMS, handle_errors, out_dir_option

# Declarations several commands share (click builds a fresh parameter per command).
PROJECT_TITLE = click.option(
    "--project", "project_title", default="geoevent", show_default=True, help="Project title."
)


@click.group("labelstudio")
def labelstudio_group() -> None:
    """Run a local Label Studio, push documents with suggestions, pull annotations.

    The toolkit reads LABEL_STUDIO_URL and LABEL_STUDIO_API_KEY from the environment or from
    ~/.config/geoevent-toolkit/labelstudio.env (written by `serve`; mode 0600).

    \b
    Example:
      toolkit labelstudio serve
      toolkit labelstudio push build/dataset --predictions annotations/rules-v1
      toolkit labelstudio pull --out annotations/
    """


def _ls_client() -> Any:
    from toolkit.labelstudio import make_client, resolve_connection

    connection = resolve_connection()
    return make_client(connection.url, connection.api_key)


@labelstudio_group.command("serve")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8080,
    show_default=True,
    help="Port on localhost to serve Label Studio on.",
)
@click.option(
    "--data",
    "data_name",
    default="data",
    show_default=True,
    help="Data folder name under .labelstudio/ (annotations live there; survives restarts).",
)
@click.option(
    "--install/--no-install",
    default=True,
    show_default=True,
    help="Install Label Studio into .labelstudio/venv first if it is missing (about 2 min).",
)
@handle_errors
def labelstudio_serve_command(port: int, data_name: str, install: bool) -> None:
    """Start Label Studio on localhost and keep it running until Ctrl-C.

    The first start creates the admin user and an API token (generated, stored with the
    password in ~/.config/geoevent-toolkit/labelstudio.env, never printed) and runs the
    database migrations (about a minute). Later starts reuse .labelstudio/data.

    \b
    Example:
      toolkit labelstudio serve --port 8080
    """
    import signal
    import time

    from toolkit.labelstudio import server as lsserver

    layout = lsserver.default_layout(data_name)
    settings_path = lsserver.config_path()
    credentials = lsserver.ensure_credentials(settings_path)
    url = f"http://localhost:{port}"
    if lsserver.health_ok(url):
        lsserver.check_token(url, credentials.api_key)
        click.echo("Already running.")
        click.echo(lsserver.login_instructions(url, credentials, settings_path))
        return
    if install and not lsserver.venv_ready(layout):
        click.echo(f"Installing Label Studio {lsserver.LS_VERSION} into {layout.venv}", err=True)
        lsserver.install_server(layout)
    click.echo(f"Starting Label Studio (data {layout.data_dir}, log {layout.log_path})", err=True)
    server = lsserver.start_server(layout, credentials, port=port)

    def stop_on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # `kill` stops the server as cleanly as Ctrl-C

    signal.signal(signal.SIGTERM, stop_on_term)
    try:
        lsserver.check_token(server.url, credentials.api_key)
        lsserver.record_url(settings_path, server.url)
        click.echo(lsserver.login_instructions(server.url, credentials, settings_path))
        click.echo("Press Ctrl-C to stop.")
        while server.process.poll() is None:
            time.sleep(1)
        click.echo(f"Label Studio stopped (exit code {server.process.returncode}).", err=True)
    except KeyboardInterrupt:
        click.echo("Stopping Label Studio ...", err=True)
    finally:
        server.stop()


@labelstudio_group.command("config")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Write here, not stdout.")
@handle_errors
def labelstudio_config_command(out_path: str | None) -> None:
    """Print the labeling config generated from schemas/taxonomy.json.

    \b
    Example:
      toolkit labelstudio config --out build/label_config.xml
    """
    from pathlib import Path

    from toolkit.core import write_text_atomic
    from toolkit.labelstudio import make_label_config
    from toolkit.taxonomy import read_taxonomy

    config = make_label_config(read_taxonomy())
    if out_path:
        write_text_atomic(Path(out_path), config)
    else:
        click.echo(config, nl=False)


@labelstudio_group.command("push")
@DATASET_DIR
@PROJECT_TITLE
@click.option(
    "--predictions",
    "prediction_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Annotation layer shown as suggestions (model_version = folder name); repeatable, "
    "the last one is the one the UI shows.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 5000),
    default=500,
    show_default=True,
    help="Tasks per import request (smaller batches: less memory, more requests).",
)
@handle_errors
def labelstudio_push_command(
    dataset_dir: str, project_title: str, prediction_dirs: tuple[str, ...], batch_size: int
) -> None:
    """Create or update the project and import the dataset's documents as tasks.

    Idempotent by doc_id: pushing again creates no second task, replaces changed
    suggestions, and refuses (exit 1) documents whose text changed after annotation began.

    \b
    Example:
      toolkit labelstudio push build/dataset --project geoevent \\
          --predictions annotations/rules-v1
    """
    from toolkit.labelstudio import push_documents, read_documents, read_prediction_layer
    from toolkit.taxonomy import read_taxonomy

    documents = read_documents(dataset_dir)
    layers = [read_prediction_layer(d) for d in prediction_dirs]
    result = push_documents(
        _ls_client(),
        documents,
        project_title=project_title,
        taxonomy=read_taxonomy(),
        prediction_layers=layers,
        batch_size=batch_size,
        progress=sys.stderr.isatty(),
    )
    for refusal in result.refused:
        click.echo(f"Refused {refusal}", err=True)
    click.echo(
        f"Project {project_title!r} (id {result.project_id}): {result.created} task(s) created, "
        f"{result.updated} updated, {result.unchanged} unchanged, {len(result.refused)} refused; "
        f"{result.predictions_set} prediction(s) set, {result.predictions_removed} removed."
    )
    if result.refused:
        sys.exit(EXIT_PROBLEMS)


@labelstudio_group.command("pull")
@PROJECT_TITLE
@out_dir_option(
    "Annotation folder; files go to <out>/ls-<pseudonym>/<doc_id>.json.",
    default="annotations",
    show_default=True,
)
@handle_errors
def labelstudio_pull_command(project_title: str, out_dir: str) -> None:
    """Export the project and write every annotator's annotations as annotation files.

    One layer per annotator, ls-<pseudonym> (a keyed hash of the Label Studio user id, never
    the e-mail). Skips become status "skipped"; drafts are not taken. Annotations with spans
    that do not match the text, and files whose annotation was deleted in Label Studio (the
    file is kept), are listed and the exit code is 1.

    \b
    Example:
      toolkit labelstudio pull --project geoevent --out annotations/
    """
    from toolkit.labelstudio import pull_annotations, resolve_salt
    from toolkit.taxonomy import read_taxonomy

    result = pull_annotations(
        _ls_client(),
        project_title=project_title,
        out_dir=out_dir,
        taxonomy=read_taxonomy(),
        salt=resolve_salt(),
    )
    for problem in result.problems:
        click.echo(f"Not written: {problem}", err=True)
    for deleted in result.deleted:
        click.echo(f"Deleted: {deleted}", err=True)
    click.echo(
        f"{len(result.written)} file(s) written, {result.unchanged} unchanged "
        f"({result.skipped} skipped task(s)); {result.drafts_ignored} draft(s) ignored; "
        f"{len(result.problems)} problem(s), {len(result.deleted)} deleted in Label Studio."
    )
    if result.problems or result.deleted:
        sys.exit(EXIT_PROBLEMS)
