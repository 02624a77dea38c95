"""The entry scripts' shared front door: every script ends with `run(main, "<config>")`.

Bad input gets one line, `error: <what is wrong; what is valid>`, and exit code 2, and as early
as it can be known: before Hydra creates a run folder, before any MLflow run is opened, before
a file is written. `run` composes the config the way Hydra will (every job of a `-m` sweep) and
checks it (genlab.validate); what only the job can find out (a checkpoint of the wrong kind, a
dataset too small for the batch) raises GenlabError there, which `one_line_errors` prints,
removing the run folder if Hydra's own files are all it holds.

Light on purpose: no torch, Lightning or MLflow imports, so a typo answers in a fraction of a
second.
"""

import functools
import itertools
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from genlab.configs import config_dir
from genlab.errors import GenlabError, first_line
from genlab.files import creation_blocker

# Flags with which Hydra only prints something: no job runs, so only option names are checked.
INFO_FLAGS = {"--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c", "--resolve"}
MULTIRUN_FLAGS = {"--multirun", "-m"}
# Hydra 1.3's flags that take a value, and the topics `--info` may be given.
VALUE_FLAGS = {
    "--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn",
    "--config-dir", "-cd", "--experimental-rerun",
}  # fmt: skip
INFO_TOPICS = {"all", "config", "defaults", "defaults-tree", "plugins", "searchpath"}
MAX_CHECKED_JOBS = 32  # a sweep larger than this has its first 32 jobs checked


def run(task: Callable[[], Any], config_name: str, argv: list[str] | None = None) -> None:
    """Check the command line, then hand it to the Hydra task (`@hydra.main`)."""
    from genlab.hydra_compat import use_live_config_store

    use_live_config_store()  # --help in 0.3 s instead of 1.1 s (see genlab/hydra_compat.py)
    message = precheck(config_name, sys.argv[1:] if argv is None else argv)
    if message:
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)
    task()


def split_flags(args: list[str]) -> tuple[set[str], list[str]]:
    """Hydra's command-line flags (names only) and its overrides. A flag's value may be the
    next word (`--cfg job`, `-cn train`), which is not an override."""
    flags: set[str] = set()
    overrides: list[str] = []
    words = iter(args)
    for word in words:
        if not word.startswith("-"):
            overrides.append(word)
            continue
        name = word.split("=", 1)[0]
        flags.add(name)
        if "=" not in word and name in VALUE_FLAGS:
            next(words, None)
        elif "=" not in word and name in ("--info", "-i"):
            value = next(words, None)
            if value is not None and value not in INFO_TOPICS:
                overrides.append(value)
    return flags, overrides


def precheck(config_name: str, args: list[str]) -> str | None:
    """One line describing the first problem with this command line, or None."""
    flags, overrides = split_flags(args)
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as err:
        return f"{first_line(err)}; write overrides as key=value (see --help)"
    message = unknown_choice(parsed)
    if message or flags & INFO_FLAGS:
        return message
    multirun = bool(flags & MULTIRUN_FLAGS)
    sweeps = [o for o in parsed if o.is_sweep_override()]
    if sweeps and not multirun:
        return (
            f"{sweeps[0].input_line} gives several values; add -m to sweep over them "
            "(python pipelines/<script>.py -m ...)"
        )
    try:
        for job in itertools.islice(_jobs(parsed), MAX_CHECKED_JOBS):
            cfg = _compose(config_name, job)
            from genlab.validate import check_config

            check_config(cfg)
            message = unwritable_output(cfg, multirun)
            if message:
                return message
    except GenlabError as err:
        return str(err)
    except (HydraException, OmegaConfBaseException) as err:
        return _composition_message(err, config_name)
    return None


def _composition_message(err: BaseException, config_name: str) -> str:
    text = str(err)
    if text.startswith("Could not override '"):
        key = text.split("'")[1]
        return (
            f"the {config_name} config has no key '{key}' (check the spelling; "
            f"`--cfg job` lists the keys, and +{key}=<value> adds a new one)"
        )
    return first_line(err)


def _jobs(parsed: list) -> Any:
    """The override list of every job a (possibly sweeping) command line runs. A sweep that
    cannot be listed (an Optuna interval) is left to its default value."""
    choices = []
    for override in parsed:
        if not override.is_sweep_override():
            choices.append([override.input_line])
            continue
        try:
            values = list(override.sweep_string_iterator())
        except Exception:  # noqa: BLE001 - ranges and intervals of sweeper plugins
            continue
        prefix = {"ADD": "+", "FORCE_ADD": "++"}.get(override.type.name, "")
        key = override.get_key_element()
        choices.append([f"{prefix}{key}={_quoted(value)}" for value in values])
    return (list(job) for job in itertools.product(*choices))


def _quoted(value: str) -> str:
    """A swept value back in override syntax, quoted when it holds a space or a comma."""
    if any(c in value for c in " ,'\""):
        escaped = value.replace("\\", "\\\\").replace("'", "\\'")
        return f"'{escaped}'"
    return value


def _compose(config_name: str, overrides: list[str]):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(str(config_dir()), version_base="1.3", job_name=config_name):
        return compose(config_name, overrides=overrides, return_hydra_config=True)


def unknown_choice(parsed: list) -> str | None:
    """A one-line message if an override picks a config group option that does not exist.

    Hydra reports this too, but over several lines with its search path; a mistyped
    `model=dgan` deserves one line with the valid choices.
    """
    for override in parsed:
        group_dir = config_dir() / override.key_or_group
        # hydra/* groups (launchers, sweepers) get most options from plugins: Hydra checks them.
        if override.key_or_group.startswith("hydra/") or not group_dir.is_dir():
            continue
        if override.is_delete():
            continue
        valid = sorted(p.stem for p in group_dir.glob("*.yaml"))
        values = (
            list(override.sweep_string_iterator())
            if override.is_sweep_override()
            else [override.get_value_element_as_str()]
        )
        for value in values:
            if value not in valid and value != "null":
                return (
                    f"unknown {override.key_or_group} '{value}'; valid choices: {', '.join(valid)}"
                )
    return None


def unwritable_output(cfg: Any, multirun: bool) -> str | None:
    """A one-line message if Hydra could not create the job's output folder. Checked on the
    nearest folder that exists, so that checking creates nothing."""
    folder = Path(str(cfg.hydra.sweep.dir if multirun else cfg.hydra.run.dir))
    blocker = creation_blocker(folder)
    if blocker is None:
        return None
    return (
        f"cannot write the output folder {folder} ({blocker} is not a writable folder); "
        "pick another with hydra.run.dir=<folder> or GENLAB_ROOT=<project folder>"
    )


def user_error(err: BaseException) -> GenlabError | None:
    """The GenlabError behind `err`, also when Hydra's instantiate wrapped it."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, GenlabError):
            return seen
        seen = seen.__cause__
    return None


def one_line_errors(task: Callable[..., Any]) -> Callable[..., Any]:
    """Report a `GenlabError` as one `error: ...` line and exit 2, and remove the job's run
    folder when it holds nothing but Hydra's own files (config and log).

    Inside a job, Hydra would add an "Error executing job" line and a hint around it.
    `HYDRA_FULL_ERROR=1` lets the exception through, traceback and all.
    """

    @functools.wraps(task)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return task(*args, **kwargs)
        except Exception as err:
            cause = user_error(err)
            if cause is None or os.environ.get("HYDRA_FULL_ERROR") == "1":
                raise
            _remove_empty_run_folder()
            print(f"error: {cause}", file=sys.stderr)
            raise SystemExit(2) from err

    return wrapper


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
