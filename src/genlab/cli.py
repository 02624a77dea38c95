"""Entry-script helpers that must stay light: no torch, Lightning or MLflow imports here."""

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException

from genlab.errors import GenlabError
from genlab.hydra_compat import use_live_config_store

use_live_config_store()  # --help in 0.3 s instead of 1.1 s (see genlab/hydra_compat.py)

CONF_DIR = Path(__file__).resolve().parents[2] / "conf"


def unknown_choice(overrides: list[str], conf_dir: Path = CONF_DIR) -> str | None:
    """A one-line message if an override picks a config group option that does not exist.

    Hydra reports this too, but over several lines with its search path; a mistyped
    `model=dgan` deserves one line with the valid choices.
    """
    overrides = [arg for arg in overrides if not arg.startswith("-")]  # -m, --cfg, ...
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException:
        return None  # Hydra's own parser error is clear enough
    for override in parsed:
        group_dir = conf_dir / override.key_or_group
        # hydra/* groups (launchers, sweepers) get most options from plugins: Hydra checks them.
        if override.key_or_group.startswith("hydra/") or not group_dir.is_dir():
            continue
        if override.is_delete():
            continue
        # `_name.yaml` files are shared bases that options include, not options.
        valid = sorted(p.stem for p in group_dir.glob("*.yaml") if not p.stem.startswith("_"))
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


# Flags with which Hydra only prints something: no output folder is needed.
_NO_RUN_FLAGS = {"--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c", "--resolve"}


def unwritable_output(overrides: list[str]) -> str | None:
    """A one-line message if the run's output folder cannot be created.

    Hydra creates it before the task starts, so its failure would be a traceback; checked here
    on the folder named by `hydra.run.dir`/`hydra.sweep.dir`, else `<root>/outputs`.
    """
    named = [
        arg.split("=", 1)[1]
        for arg in overrides
        if arg.startswith(("hydra.run.dir=", "hydra.sweep.dir="))
    ]
    root = Path(os.environ.get("GENLAB_ROOT", "."))
    for folder in [Path(d) for d in named if "${" not in d] or [root / "outputs"]:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".genlab-write-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as err:
            return (
                f"cannot write the output folder {folder} ({err.strerror or err}); "
                "pick another with hydra.run.dir=<folder> or GENLAB_ROOT=<project folder>"
            )
    return None


def exit_on_unknown_choice(argv: list[str] | None = None) -> None:
    """Fail in a fraction of a second, with one line, on what can be checked before Hydra."""
    args = argv if argv is not None else sys.argv[1:]
    runs = not any(arg in _NO_RUN_FLAGS or arg.startswith("--cfg") for arg in args)
    message = unknown_choice(args) or (
        unwritable_output([arg for arg in args if not arg.startswith("-")]) if runs else None
    )
    if message:
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def user_error(err: BaseException) -> GenlabError | None:
    """The GenlabError behind `err`, also when Hydra's instantiate wrapped it."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, GenlabError):
            return seen
        seen = seen.__cause__
    return None


def one_line_errors(task: Callable[..., Any]) -> Callable[..., Any]:
    """Report a `GenlabError` as one `error: ...` line and exit 2.

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
            print(f"error: {cause}", file=sys.stderr)
            raise SystemExit(2) from err

    return wrapper
