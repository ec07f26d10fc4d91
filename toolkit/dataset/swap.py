"""The crash-safe swap of a finished build into place, and recovery from runs that died.

Every folder a run makes next to the output is named ``.<out>.<kind>-<pid>-<random>``: ``tmp``
while it is built, ``new`` once complete (only on the fallback swap), ``old`` for the previous
dataset on its way out. A later run removes the folders of dead processes, and if a run died
between the two renames of the fallback swap (no dataset at the output) it puts the complete
``new`` (else the ``old``) dataset back first. On Linux the swap is one atomic exchange."""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
# renameat2 errors that mean "not supported here", not "failed".
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV}


def _name_pattern(out: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(out.name)}\.(tmp|new|old)-([0-9]+)-")


def _sibling(out: Path, kind: str) -> Path:
    """A fresh name ``.<out>.<kind>-<pid>-<random>`` next to ``out`` (the folder is not made)."""
    path = Path(tempfile.mkdtemp(prefix=f".{out.name}.{kind}-{os.getpid()}-", dir=out.parent))
    path.rmdir()
    return path


def build_dir_prefix(out: Path) -> str:
    """The name prefix of this process's build folder next to ``out``."""
    return f".{out.name}.tmp-{os.getpid()}-"


def _owner_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (when unsure: yes, so its folder is left alone)."""
    if pid <= 0 or pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # e.g. EPERM: it exists under another user
    return True


def recover_interrupted(out: Path) -> None:
    """Finish or undo a swap cut short by a killed run, then remove dead runs' folders."""
    if not out.parent.is_dir():
        return
    pattern = _name_pattern(out)
    stale: list[tuple[str, Path]] = []
    for path in out.parent.iterdir():
        found = pattern.match(path.name)
        if not found or not path.is_dir() or path.is_symlink():
            continue
        if not _owner_alive(int(found.group(2))):
            stale.append((found.group(1), path))
    if not out.exists():
        for kind in ("new", "old"):  # a complete new build wins over the previous dataset
            candidates = [p for k, p in stale if k == kind]
            if candidates:
                latest = max(candidates, key=lambda p: p.stat().st_mtime_ns)
                os.replace(latest, out)
                stale.remove((kind, latest))
                break
    for _, path in stale:
        shutil.rmtree(path, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where that is not supported."""
    if sys.platform != "linux":
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))


def swap_in(tmp: Path, out: Path) -> None:
    """Move the finished build ``tmp`` to ``out``; there is a dataset at ``out`` at every moment.

    Where the atomic exchange is missing, ``tmp`` is first renamed ``new`` (complete), so a run
    killed between moving the old dataset away and the new one in is finished by the next run.
    """
    if not out.exists():
        os.replace(tmp, out)
        return
    if _exchange(tmp, out):
        shutil.rmtree(tmp, ignore_errors=True)  # it now holds the previous dataset
        return
    new, old = _sibling(out, "new"), _sibling(out, "old")
    os.replace(tmp, new)
    try:
        os.replace(out, old)
        try:
            os.replace(new, out)
        except BaseException:
            os.replace(old, out)
            raise
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
