"""Local Label Studio server: its own venv, data dir, generated credentials, start and stop.

Standard library only (plus ``toolkit.errors``), so the noxfile can import it before the toolkit's
dependencies are installed. The API token and password are generated once, kept in a 0600 file
outside the repository, passed to the server through its environment, and never printed.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from toolkit.errors import LabelStudioError

LS_VERSION = "1.23.2"
"""The Label Studio server release the toolkit is tested against."""
DEFAULT_PORT = 8080
DEFAULT_USERNAME = "admin@example.com"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
URL_KEY = "LABEL_STUDIO_URL"
API_KEY_KEY = "LABEL_STUDIO_API_KEY"
USERNAME_KEY = "LABEL_STUDIO_USERNAME"
PASSWORD_KEY = "LABEL_STUDIO_PASSWORD"
SALT_KEY = "LABEL_STUDIO_PSEUDONYM_SALT"
SECRET_KEYS = (API_KEY_KEY, PASSWORD_KEY, SALT_KEY)
FIRST_START_TIMEOUT_S = 240.0
"""A fresh data dir runs ~228 migrations (about 50 s on 2 cores); leave room for slow machines."""


@dataclass(frozen=True)
class ServerLayout:
    """Where one local server lives: its venv, its data dir and its log."""

    root: Path
    data_name: str = "data"

    @property
    def venv(self) -> Path:
        """The server's own virtualenv (Label Studio pins many packages; kept apart)."""
        return self.root / "venv"

    @property
    def data_dir(self) -> Path:
        """SQLite database, media and exports of this server."""
        return self.root / self.data_name

    @property
    def log_path(self) -> Path:
        """Server output, with secrets masked."""
        return self.root / f"server-{self.data_name}.log"

    @property
    def executable(self) -> Path:
        """The ``label-studio`` entry point inside the venv."""
        return self.venv / "bin" / "label-studio"


def default_layout(data_name: str = "data", project_root: Path = PROJECT_ROOT) -> ServerLayout:
    """The project's ignored ``.labelstudio/`` folder; tests use ``data_name='test-data'``."""
    return ServerLayout(root=project_root / ".labelstudio", data_name=data_name)


@dataclass(frozen=True)
class Credentials:
    """The local admin account, its API token and the pseudonym salt (all secret but the e-mail)."""

    username: str
    password: str = field(repr=False)
    api_key: str = field(repr=False)
    salt: str = field(repr=False)


@dataclass(frozen=True)
class Connection:
    """Where the toolkit talks to Label Studio and with which token."""

    url: str
    api_key: str = field(repr=False)


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """The settings file outside the repo: ``$XDG_CONFIG_HOME/geoevent-toolkit/labelstudio.env``."""
    env = os.environ if environ is None else environ
    explicit = env.get("GEOEVENT_LABELSTUDIO_ENV")
    if explicit:
        return Path(explicit)
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "geoevent-toolkit" / "labelstudio.env"


_LINE = re.compile(r"^\s*([A-Z][A-Z0-9_]*)\s*=\s*(.*?)\s*$")


def read_settings(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of the settings file (empty when it does not exist)."""
    if not path.exists():
        return {}
    settings: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise LabelStudioError(
                f"line {number} is not KEY=VALUE (valid: e.g. {URL_KEY}=http://localhost:8080)",
                path=path,
            )
        settings[match.group(1)] = match.group(2)
    return settings


def write_settings(path: Path, settings: Mapping[str, str]) -> None:
    """Write the settings file atomically with mode 0600 (it holds the token and password)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    content = "# Label Studio settings of geoevent-toolkit; secret, do not share or commit.\n"
    content += "".join(f"{key}={value}\n" for key, value in sorted(settings.items()))
    fd, tmp = tempfile.mkstemp(prefix=".labelstudio.", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    os.chmod(path, 0o600)


def ensure_credentials(path: Path) -> Credentials:
    """Read the local admin's credentials, generating any that are missing (first start)."""
    settings = read_settings(path)
    generated = {
        USERNAME_KEY: DEFAULT_USERNAME,
        PASSWORD_KEY: secrets.token_urlsafe(18),
        API_KEY_KEY: secrets.token_hex(20),
        SALT_KEY: secrets.token_hex(32),
    }
    missing = {k: v for k, v in generated.items() if not settings.get(k)}
    if missing:
        settings.update(missing)
        write_settings(path, settings)
    elif path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return Credentials(
        username=settings[USERNAME_KEY],
        password=settings[PASSWORD_KEY],
        api_key=settings[API_KEY_KEY],
        salt=settings[SALT_KEY],
    )


def resolve_connection(
    environ: Mapping[str, str] | None = None, path: Path | None = None
) -> Connection:
    """URL and token from the environment, else from the settings file; error naming both."""
    env = os.environ if environ is None else environ
    settings = read_settings(path if path is not None else config_path(env))
    url = env.get(URL_KEY) or settings.get(URL_KEY)
    api_key = env.get(API_KEY_KEY) or settings.get(API_KEY_KEY)
    if not url or not api_key:
        where = path if path is not None else config_path(env)
        raise LabelStudioError(
            f"no Label Studio connection: set {URL_KEY} and {API_KEY_KEY}, "
            f"or start a local server with `toolkit labelstudio serve` (it writes {where})"
        )
    return Connection(url=url.rstrip("/"), api_key=api_key)


def resolve_salt(environ: Mapping[str, str] | None = None, path: Path | None = None) -> bytes:
    """The pseudonym salt from the environment or the settings file, generated there if absent."""
    env = os.environ if environ is None else environ
    if env.get(SALT_KEY):
        return env[SALT_KEY].encode()
    p = path if path is not None else config_path(env)
    settings = read_settings(p)
    if not settings.get(SALT_KEY):
        settings[SALT_KEY] = secrets.token_hex(32)
        write_settings(p, settings)
    return settings[SALT_KEY].encode()


# ---------------------------------------------------------------- install


def venv_ready(layout: ServerLayout) -> bool:
    """True when the venv holds exactly Label Studio ``LS_VERSION``."""
    if not layout.executable.exists():
        return False
    return any(layout.venv.glob(f"lib/python*/site-packages/label_studio-{LS_VERSION}.dist-info"))


def install_server(layout: ServerLayout, *, python: str = sys.executable) -> bool:
    """Create the venv and install Label Studio into it; returns False when already there."""
    if venv_ready(layout):
        return False
    layout.root.mkdir(parents=True, exist_ok=True)
    commands = [
        [python, "-m", "venv", str(layout.venv)],
        [
            str(layout.venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--upgrade",
            "pip",
        ],
        [
            str(layout.venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            f"label-studio=={LS_VERSION}",
        ],
    ]
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).splitlines()[-15:])
            raise LabelStudioError(
                f"installing Label Studio {LS_VERSION} failed ({' '.join(command[-3:])}):\n{tail}",
                path=layout.venv,
            )
    return True


# ---------------------------------------------------------------- start / stop


def free_port() -> int:
    """A TCP port nobody listens on right now (for test servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    """True when something accepts connections on localhost:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def server_environment(
    layout: ServerLayout, credentials: Credentials, base: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A clean environment: nothing leaks in (LS reads bare HOST, PORT, USERNAME, PASSWORD)."""
    env = os.environ if base is None else base
    clean = {
        "PATH": os.pathsep.join([str(layout.venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": env.get("HOME", str(layout.root)),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "LABEL_STUDIO_BASE_DATA_DIR": str(layout.data_dir),
        "LABEL_STUDIO_USERNAME": credentials.username,
        "LABEL_STUDIO_PASSWORD": credentials.password,
        "LABEL_STUDIO_USER_TOKEN": credentials.api_key,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
        "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false",
    }
    if env.get("TMPDIR"):
        clean["TMPDIR"] = env["TMPDIR"]
    return clean


def health_ok(url: str, timeout_s: float = 2.0) -> bool:
    """True when ``GET /health`` answers 200 ``{"status": "UP"}``."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout_s) as response:
            return bool(response.status == 200 and b"UP" in response.read())
    except (urllib.error.URLError, OSError, ValueError):
        return False


def mask_secrets(text: str, secrets_: tuple[str, ...]) -> str:
    """Replace every secret in ``text`` with ``***``."""
    for secret in secrets_:
        if secret:
            text = text.replace(secret, "***")
    return text


@dataclass
class RunningServer:
    """A started server process; ``stop()`` ends it (only it, by its own process group)."""

    url: str
    port: int
    layout: ServerLayout
    process: subprocess.Popen[bytes]
    _pump: threading.Thread | None = None

    def stop(self, timeout_s: float = 20.0) -> None:
        """Terminate the server process group and wait for it."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, 9)
                self.process.wait(timeout=timeout_s)
        if self._pump is not None:
            self._pump.join(timeout=5)


def _die_with_parent() -> None:
    # The server runs in its own session (Ctrl-C reaches us, and we stop it cleanly); if we are
    # killed outright, Linux's parent-death signal still takes it down instead of orphaning it.
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, 15)


def _pump_output(stream: IO[bytes], log: IO[str], secrets_: tuple[str, ...]) -> None:
    # LS echoes its settings and user info on start; mask secrets before anything reaches the log.
    for raw in iter(stream.readline, b""):
        log.write(mask_secrets(raw.decode("utf-8", "replace"), secrets_))
        log.flush()
    log.close()


def _log_tail(path: Path, lines: int = 20) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def start_server(
    layout: ServerLayout,
    credentials: Credentials,
    *,
    port: int = DEFAULT_PORT,
    timeout_s: float | None = None,
) -> RunningServer:
    """Start Label Studio on localhost:port and wait for /health; errors include the log tail."""
    if not venv_ready(layout):
        raise LabelStudioError(
            f"Label Studio {LS_VERSION} is not installed in {layout.venv}; "
            "run `nox -s labelstudio` or `toolkit labelstudio serve --install`"
        )
    if port_in_use(port):
        raise LabelStudioError(
            f"port {port} is already in use on localhost; stop what runs there or pass --port"
        )
    first_start = not (layout.data_dir / "label_studio.sqlite3").exists()
    wait_s = timeout_s if timeout_s is not None else (FIRST_START_TIMEOUT_S if first_start else 90)
    layout.data_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://localhost:{port}"
    command = [
        str(layout.executable),
        "start",
        "--no-browser",
        "--internal-host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(layout.data_dir),
        "--enable-legacy-api-token",
    ]
    log = open(layout.log_path, "a", encoding="utf-8")  # noqa: SIM115 (closed by the pump thread)
    process = subprocess.Popen(
        command,
        env=server_environment(layout, credentials),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=layout.root,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    assert process.stdout is not None
    pump = threading.Thread(
        target=_pump_output,
        args=(process.stdout, log, (credentials.api_key, credentials.password, credentials.salt)),
        daemon=True,
    )
    pump.start()
    server = RunningServer(url=url, port=port, layout=layout, process=process, _pump=pump)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pump.join(timeout=5)
            raise LabelStudioError(
                f"Label Studio exited with code {process.returncode} while starting; "
                f"log {layout.log_path}:\n{_log_tail(layout.log_path)}"
            )
        if health_ok(url):
            return server
        time.sleep(1.0)
    server.stop()
    raise LabelStudioError(
        f"Label Studio did not answer {url}/health within {wait_s:.0f} s; "
        f"log {layout.log_path}:\n{_log_tail(layout.log_path)}"
    )


@contextlib.contextmanager
def running_server(
    layout: ServerLayout, credentials: Credentials, *, port: int | None = None
) -> Iterator[RunningServer]:
    """Start a server for the duration of a block (tests, benchmarks), then stop it."""
    server = start_server(layout, credentials, port=port if port is not None else free_port())
    try:
        yield server
    finally:
        server.stop()


def login_instructions(url: str, credentials: Credentials, settings_path: Path) -> str:
    """What to tell a person who wants to open the UI (no secret in it)."""
    return (
        f"Label Studio {LS_VERSION} is running at {url}\n"
        f"Log in as {credentials.username}; the password is {PASSWORD_KEY} in {settings_path}.\n"
        f"The toolkit reads {URL_KEY} and {API_KEY_KEY} from the environment or that file."
    )


def record_url(path: Path, url: str) -> None:
    """Store the local server's URL in the settings file so push/pull find it."""
    settings = read_settings(path)
    if settings.get(URL_KEY) != url:
        settings[URL_KEY] = url
        write_settings(path, settings)


def check_token(url: str, api_key: str, timeout_s: float = 10.0) -> None:
    """Ask the server who the token belongs to; LabelStudioError with the status when refused."""
    request = urllib.request.Request(
        f"{url}/api/current-user/whoami", headers={"Authorization": f"Token {api_key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise LabelStudioError(
            f"{url} refused the API token from the settings file; if the data dir was created with "
            "other credentials, restore that file or delete the data dir to start afresh",
            status_code=exc.code,
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise LabelStudioError(f"cannot reach Label Studio at {url}: {exc}") from exc
