"""Shared timing helpers: warm-up, repeats, medians, A/B interleaving, machine description."""

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


def interleaved(
    a: Callable[[], float], b: Callable[[], float], rounds: int = 7
) -> tuple[float, float, float]:
    """Medians of a() and b() (each returns its own measured seconds), run A, B, A, B, ...,
    and the median of the per-round ratios a/b: each ratio compares neighbours in time, so
    drift in this shared machine's speed (±15 % between minutes here) cancels."""
    a_times, b_times = [], []
    for _ in range(rounds):
        a_times.append(a())
        b_times.append(b())
    ratios = [x / y for x, y in zip(a_times, b_times, strict=True)]
    return statistics.median(a_times), statistics.median(b_times), statistics.median(ratios)


def lockstep(
    a: Callable[[], object], b: Callable[[], object], steps: int
) -> list[tuple[float, float]]:
    """(seconds of a(), seconds of b()) for `steps` pairs run a, b, a, b, ...: each pair's
    ratio compares neighbours in time, so the machine's drift cancels."""
    pairs = []
    for _ in range(steps):
        start = time.perf_counter()
        a()
        middle = time.perf_counter()
        b()
        pairs.append((middle - start, time.perf_counter() - middle))
    return pairs


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


def epoch_seconds(root: Path, name: str, *overrides: str) -> float:
    """Wall time of the first training epoch (validation included) of an untracked
    `train.py` run in `root/name`, taken by benchmarks/epoch_clock.py inside the run."""
    clock = root / f"{name}.epoch"
    run_train(
        "trainer.max_epochs=1",
        "trainer.enable_progress_bar=false",
        f"hydra.run.dir={root}/{name}",
        "+callbacks.clock._target_=epoch_clock.EpochClock",
        f"+callbacks.clock.path={clock}",
        *overrides,
    )
    return float(clock.read_text())


def loader_batches_per_second(*overrides: str, epochs: int = 3) -> float:
    """The real training DataLoader (prepared mnist5k), iterated alone after one warm-up
    epoch (which also starts persistent workers)."""
    from hydra.utils import instantiate

    cfg = compose_config("train", list(overrides))
    datamodule = instantiate(cfg.data)
    datamodule.prepare_data()
    datamodule.setup("fit")
    loader = datamodule.train_dataloader()
    for _ in loader:
        pass
    start, batches = time.perf_counter(), 0
    for _ in range(epochs):
        for _ in loader:
            batches += 1
    return batches / (time.perf_counter() - start)


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    return (
        f"{os.cpu_count()} CPU cores ({cpu}), Python {sys.version.split()[0]}, "
        f"torch {torch.__version__}, {time.strftime('%Y-%m-%d')}"
    )


def row(name: str, value: float, unit: str, target: str = "") -> str:
    return f"| {name} | {value:.3f} {unit} | {target} |"
