"""Shared fixtures: Hydra configs composed like the entry scripts do, on temp paths."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from omegaconf import DictConfig

from compose import TINY_RUN, compose_config


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist (`make test` runs two workers on a 2-core machine) each worker, and
    every script a test starts, computes on one thread: two workers with a thread per core
    each would oversubscribe the cores."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ["OMP_NUM_THREADS"] = "1"
        import torch

        torch.set_num_threads(1)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`@pytest.mark.requires_cuda` tests skip, with a reason, where PyTorch sees no CUDA GPU
    (as lightning-hydra-template's RunIf does); GENLAB_FORCE_CPU=1 runs them on the CPU, to
    try the GPU check there first."""
    import torch

    slow_files_first(items)
    if torch.cuda.is_available() or os.environ.get("GENLAB_FORCE_CPU") == "1":
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "requires_cuda" in item.keywords:
            item.add_marker(skip)


def slow_files_first(items: list[pytest.Item]) -> None:
    """Files with `@pytest.mark.slow` tests first, each file's tests in their order. `make
    test`'s two workers take whole files (`--dist loadfile`) in collection order (with
    `--no-loadscope-reorder`; xdist's own order, by test count, deals the one-test
    minute-long files last): a long file dealt last leaves one worker idle while the other
    finishes it (BENCHMARKS.md, "test suite" rows)."""
    slow_files = {item.path for item in items if "slow" in item.keywords}
    items.sort(key=lambda item: item.path not in slow_files)


@pytest.fixture(autouse=True)
def tracking_uri_untouched() -> Iterator[None]:
    """Every test leaves MLflow's tracking URI, and its environment variable, as it found them:
    a leaked URI sends later tests' runs to one test's store (see `mlflow_uri`)."""
    import mlflow

    before = os.environ.get("MLFLOW_TRACKING_URI"), mlflow.get_tracking_uri()
    yield
    assert (os.environ.get("MLFLOW_TRACKING_URI"), mlflow.get_tracking_uri()) == before


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One prepared-data folder per session: mnist5k is prepared once, not per test."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture
def train_config(tmp_path: Path, data_dir: Path) -> Callable[..., DictConfig]:
    """`train_config("model=vae", ...)`: conf/train.yaml for a tiny run under tmp_path."""

    def make(*overrides: str) -> DictConfig:
        return compose_config(
            "train",
            [
                f"paths.root_dir={tmp_path}",
                f"paths.data_dir={data_dir}",
                f"paths.output_dir={tmp_path}/run",
                *TINY_RUN,
                *overrides,
            ],
        )

    return make
