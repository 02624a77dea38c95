"""Shared helpers of the benchmarks: timing a command, composing a config, a training run, the
machine's description."""

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(fn: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def command_seconds(args: list[str], repeats: int = 5, **kwargs) -> float:
    """Median wall time of a command (first run discarded as warm-up)."""
    env = {**os.environ, **kwargs.pop("env", {})}

    def run() -> None:
        subprocess.run(args, cwd=kwargs.get("cwd", ROOT), env=env, capture_output=True)

    return median_seconds(run, repeats=repeats, warmup=1)


def compose_config(name: str, overrides: list[str]):
    """A genlab config with the project's own data folder, whatever the working directory
    (a relative `paths.root_dir` would prepare data inside benchmarks/)."""
    from hydra import compose, initialize_config_dir

    import genlab  # noqa: F401  (config resolvers)

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose(name, [f"paths.root_dir={ROOT}", *overrides])


def run_train(*overrides: str) -> None:
    """`pipelines/train.py` untracked, on the project's prepared data; callbacks from this
    folder (e.g. `+callbacks.x._target_=first_step.FirstStepClock`) can be added."""
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "pipelines" / "train.py"),
            "logger=none",
            f"paths.data_dir={ROOT}/data",
            *overrides,
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "benchmarks")},
        capture_output=True,
        check=True,
    )


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    return (
        f"{os.cpu_count()} CPU cores ({cpu}), Python {sys.version.split()[0]}, "
        f"torch {torch.__version__}, {time.strftime('%Y-%m-%d')}"
    )
