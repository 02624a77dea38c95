"""Files that are never seen half-written: a reader (another sweep job, a resumed run, DVC)
finds either the old file or the whole new one, even after a crash or a full disk."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """`write(f)` into a temp file in the same folder, flushed to disk, then renamed over
    `path` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; nothing written here is secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def nearest_existing(path: Path) -> Path:
    """`path`, or its nearest ancestor that exists."""
    while not path.exists():
        path = path.parent
    return path


def creation_blocker(folder: Path) -> Path | None:
    """What stops `folder` (and its parents) from being made: the nearest existing ancestor
    when nothing can be created in it, else None.

    Permission bits do not tell (root passes `os.access` on /proc and on read-only mounts),
    so an empty probe folder is made there and removed at once: nothing is left behind."""
    existing = nearest_existing(folder)
    if not existing.is_dir():
        return existing
    try:
        os.rmdir(tempfile.mkdtemp(dir=existing, prefix=".genlab-probe-"))
    except OSError:
        return existing
    return None
