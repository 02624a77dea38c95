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
    """What stops `folder` (and its parents) from being made, checked without making
    anything: the nearest existing ancestor when it is not a writable folder, else None."""
    existing = nearest_existing(folder)
    writable = existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)
    return None if writable else existing
