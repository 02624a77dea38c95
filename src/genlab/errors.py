"""User-facing errors.

`GenlabError` subclasses Hydra's `CompactHydraException`, so a Hydra entry point that raises it
prints only the message (one line, no traceback) and exits non-zero. `HYDRA_FULL_ERROR=1` still
shows the full traceback for debugging.
"""

from hydra.errors import CompactHydraException


class GenlabError(CompactHydraException):
    """A problem the user can fix: bad input, missing files, unreachable services."""


class DatasetUnavailableError(GenlabError):
    """A dataset's files are neither on disk nor downloadable."""


class CheckpointError(GenlabError):
    """A checkpoint is missing, unreadable or does not fit the requested model."""


def first_line(err: BaseException) -> str:
    """An exception's message as one line (its first), for an `error:` line; its type when it
    has no message."""
    lines = str(err).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(err).__name__
