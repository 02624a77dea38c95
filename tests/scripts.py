"""Run the entry scripts as a user does: a subprocess from the repo root, real exit codes."""

import os
import signal
import subprocess
import sys
from pathlib import Path

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
