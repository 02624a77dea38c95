"""The entry scripts' front door: every script ends with `run(main, "<config>")`, and its
`main` is wrapped in `one_line_errors`.

Bad input gets one line, `error: <what is wrong; what is valid>`, and exit code 2. Hydra checks
the command line and every value's type while it composes (genlab/schemas/), before it makes a
run folder; the objects a job builds check the rest (a learning rate that is not positive, a
dataset too small for the batch), before any MLflow run is opened or file written, and a run
folder that then holds only Hydra's own files is removed. This module only turns each of those
exceptions into its line. `HYDRA_FULL_ERROR=1` lets every exception through, traceback and all.

Light on purpose: no torch, Lightning or MLflow imports, so a typo answers in a fraction of a
second.
"""

import functools
import gc
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra.errors import (
    ConfigCompositionException,
    MissingConfigException,
    OverrideParseException,
)
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    MissingMandatoryValue,
    OmegaConfBaseException,
)

from genlab.utils.errors import GenlabError, first_line

# Set while a genlab script runs, so that Hydra raises its errors to `run` instead of printing
# them over several lines; the user's own HYDRA_FULL_ERROR=1 is told apart by this mark.
OURS = "GENLAB_SET_HYDRA_FULL_ERROR"


def full_errors_wanted() -> bool:
    return os.environ.get("HYDRA_FULL_ERROR") == "1" and os.environ.get(OURS) != "1"


def run(task: Callable[[], Any], config_name: str) -> None:
    """Hand the command line to the Hydra task (`@hydra.main`); an error is one line."""
    from genlab.utils.hydra_compat import use_live_config_store

    use_live_config_store()  # a faster --help (BENCHMARKS.md, "`make run`, stage by stage")
    try:
        run_reporting_errors(task, config_name)
    finally:
        leave_objects_to_the_os()


def run_reporting_errors(task: Callable[[], Any], config_name: str) -> None:
    if full_errors_wanted():
        task()
        return
    os.environ["HYDRA_FULL_ERROR"], os.environ[OURS] = "1", "1"
    try:
        task()
    except Exception as err:
        message = one_line(err, config_name)
        if message is None:
            raise
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2) from err


def leave_objects_to_the_os() -> None:
    """Python's shutdown garbage-collects every object the imports made (torch, Lightning,
    MLflow: several hundred thousand), seconds of each stage's process, with nothing left to
    write. Frozen (`gc.freeze`), they are left to the OS instead (BENCHMARKS.md, "Process
    exit: 2026-12-05, third session"). atexit
    handlers, MLflow's and Lightning's, still run first, and objects freed by reference count
    still close their files."""
    gc.freeze()


def one_line(err: BaseException, config_name: str) -> str | None:
    """The line that says what was wrong with the user's input, or None for any other error
    (a bug: its traceback is shown)."""
    if isinstance(err, MissingConfigException) and err.missing_cfg_file:
        group, _, choice = err.missing_cfg_file.rpartition("/")
        valid = ", ".join(err.options or [])
        return f"unknown {group} '{choice}'; valid choices: {valid}"
    if isinstance(err, OverrideParseException):
        return f"{first_line(err)}; write overrides as key=value (see --help)"
    if isinstance(err, ConfigCompositionException):
        text = str(err)
        if text.startswith("Ambiguous value for argument"):
            override = text.split("'")[1]
            return (
                f"{override} gives several values; add -m to sweep over them "
                "(python pipelines/<script>.py -m ...)"
            )
        if isinstance(err.__cause__, ConfigKeyError | ConfigAttributeError):
            key = getattr(err.__cause__, "full_key", "") or text.split("'")[1]
            return (
                f"the {config_name} config has no key '{key}' (check the spelling; `--cfg job` "
                f"lists the keys, and +{key}=<value> adds a new one)"
            )
        if isinstance(err.__cause__, OmegaConfBaseException):
            return value_error(err.__cause__)
        return first_line(err)
    if isinstance(err, MissingMandatoryValue):
        return f"set {err.full_key} on the command line: {err.full_key}=<value>"
    if isinstance(err, OmegaConfBaseException):
        return value_error(err)
    cause = user_error(err)
    if cause is not None:
        return str(cause)
    unwritable = os_error(err)
    if unwritable is not None:
        return (
            f"cannot write {unwritable.filename} ({unwritable.strerror}); pick another folder, "
            "e.g. with hydra.run.dir=<folder> or GENLAB_ROOT=<project folder>"
        )
    return None


def os_error(err: BaseException) -> OSError | None:
    """The OSError naming a file behind `err`, also where a library wrapped it (Hydra's log
    set-up raises "Unable to configure handler 'file'" for a read-only run folder)."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, OSError) and seen.filename:
            return seen
        seen = seen.__cause__
    return None


def value_error(err: OmegaConfBaseException) -> str:
    """`key: what is wrong with its value` from OmegaConf's own message."""
    key = getattr(err, "full_key", None)
    message = first_line(err)
    return f"{key}: {message}" if key else message


def user_error(err: BaseException) -> GenlabError | None:
    """The GenlabError behind `err`, also when Hydra's instantiate wrapped it."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, GenlabError):
            return seen
        seen = seen.__cause__
    return None


def one_line_errors(task: Callable[..., Any]) -> Callable[..., Any]:
    """Inside the job: report a user error as one `error: ...` line and exit 2, and remove the
    job's run folder when it holds nothing but Hydra's own files (config and log)."""

    @functools.wraps(task)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return task(*args, **kwargs)
        except Exception as err:
            if full_errors_wanted():
                raise
            from hydra.core.hydra_config import HydraConfig

            name = HydraConfig.get().job.config_name if HydraConfig.initialized() else "this"
            message = one_line(err, str(name))
            if message is None:
                raise
            _undo_run_folder()
            print(f"error: {message}", file=sys.stderr)
            raise SystemExit(2) from err

    return wrapper


def _undo_run_folder() -> None:
    """A refused job leaves no trace: an existing run folder gets its record back byte for
    byte (genlab.utils.run_record), a folder made for this job goes if only Hydra's files are
    in it."""
    from genlab.utils.run_record import restore_run_record, run_folder_existed

    if not run_folder_existed():
        _remove_empty_run_folder()
        return
    import logging

    logging.shutdown()  # the job's log lines are flushed, and its file closed, before the restore
    for handler in [h for h in logging.root.handlers if isinstance(h, logging.FileHandler)]:
        logging.root.removeHandler(handler)  # nothing logged later reopens the file
    restore_run_record()


def _remove_empty_run_folder() -> None:
    from hydra.core.hydra_config import HydraConfig

    if not HydraConfig.initialized():
        return
    folder = Path(HydraConfig.get().runtime.output_dir)
    if not folder.is_dir():
        return
    entries = {p.name for p in folder.iterdir()}
    if entries <= {".hydra", f"{HydraConfig.get().job.name}.log"}:
        import logging

        logging.shutdown()  # closes Hydra's log file handler before its file goes
        shutil.rmtree(folder, ignore_errors=True)
        root = Path(os.environ.get("GENLAB_ROOT", ".")).resolve()
        parent = folder.resolve().parent  # e.g. outputs/train/, made for this run alone
        while parent != root and root in parent.parents and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
