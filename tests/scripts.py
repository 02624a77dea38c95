"""Run the entry scripts as a user does: a subprocess from the repo root, real exit codes."""

import contextlib
import gc
import logging
import os
import runpy
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hydra.core.global_hydra import GlobalHydra

from compose import ROOT

# Test-only callbacks (tests/pipeline/fault_injection.py, rank_weights.py) are importable by
# `+callbacks.<name>._target_=<module>.<Class>` overrides.
TEST_CALLBACKS = ROOT / "tests" / "pipeline"


def script_command(script: str, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / "pipelines" / script), *args]


def script_env(
    root: Path, tracking_uri: str | None = None, env_overrides: dict[str, str] | None = None
) -> dict[str, str]:
    """`root` as the project folder; the MLflow store is `tracking_uri`, else root/mlflow.db."""
    env = {**os.environ, "GENLAB_ROOT": str(root), "PYTHONPATH": str(TEST_CALLBACKS)}
    env.pop("MLFLOW_TRACKING_URI", None)
    if tracking_uri is not None:
        env["MLFLOW_TRACKING_URI"] = tracking_uri
    return env | (env_overrides or {})


def _default_sigint() -> None:
    # A test runner started in the background (`cmd &` without job control) ignores SIGINT,
    # and children inherit that; Python then never raises KeyboardInterrupt.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_script(
    script: str,
    *args: str,
    root: Path,
    tracking_uri: str | None = None,
    timeout: int = 600,
    env_overrides: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        script_command(script, *args),
        cwd=ROOT,
        env=script_env(root, tracking_uri, env_overrides),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_default_sigint,
    )


@dataclass
class InProcessResult:
    """What `run_script_in_process` saw: the exit code, stdout, and the stderr lines a user
    would read, warnings included."""

    returncode: int
    stdout: str
    stderr: str


# The filters a fresh `python script.py` starts with (Python's defaults), so a warning it would
# print is counted as a line on stderr, and one it would hide is not.
DEFAULT_WARNING_FILTERS = [
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
]


@contextlib.contextmanager
def hydra_logging_undone() -> Iterator[None]:
    """The root logger as it was: a Hydra job points it at its run folder's log file, which
    the failed job then removes, and the next test's log lines would go there."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
        root.handlers[:] = handlers
        root.setLevel(level)


def run_script_in_process(
    script: str,
    *args: str,
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    env_overrides: dict[str, str] | None = None,
) -> InProcessResult:
    """The entry script as `python pipelines/<script> <args>` runs it, inside this process:
    the same `__main__` code, argv, environment and working folder, its exit code taken from
    SystemExit. It skips the seconds a new process spends importing torch and Lightning, which
    the subprocess tests pay once per script (`run_script`). Every warning is shown as a
    stderr line, even one this process has shown before."""
    for key, value in script_env(root, env_overrides=env_overrides).items():
        monkeypatch.setenv(key, value)
    if "MLFLOW_TRACKING_URI" not in (env_overrides or {}):
        monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.chdir(ROOT)
    path = ROOT / "pipelines" / script
    monkeypatch.setattr(sys, "argv", [str(path), *args])
    GlobalHydra.instance().clear()
    capfd.readouterr()
    code = 0
    with warnings.catch_warnings(record=True) as caught, hydra_logging_undone():
        warnings.resetwarnings()
        warnings.simplefilter("always")
        for action, category, module in reversed(DEFAULT_WARNING_FILTERS):
            warnings.filterwarnings(action, category=category, module=module)
        try:
            runpy.run_path(str(path), run_name="__main__")
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        finally:
            # The script froze its objects for its process's exit (genlab.app.cli); this
            # process goes on, so they go back to the collector.
            gc.unfreeze()
    GlobalHydra.instance().clear()
    out, err = capfd.readouterr()
    shown = [f"{w.category.__name__}: {w.message}" for w in caught]
    return InProcessResult(code, out, "\n".join([*err.strip().splitlines(), *shown]))
