"""User-facing errors.

A `GenlabError` is a problem the user can fix; the entry scripts print it as one `error:` line
and exit 2 (genlab.app.cli.one_line_errors), and `HYDRA_FULL_ERROR=1` shows the traceback. Plain
exceptions, so that models, data and metrics depend on no configuration library.
"""


class GenlabError(Exception):
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
