"""Interruption, resume and divergence on real training runs (subprocesses, real signals)."""

import signal
from pathlib import Path

import pytest
import torch
from mlflow import MlflowClient

from genlab.checkpoints import load_module

from compose import TINY_RUN
from scripts import run_script


def train_script(tmp_path: Path, data_dir: Path, run_dir: str, *overrides: str):
    return run_script(
        "train.py",
        *TINY_RUN,
        f"paths.data_dir={data_dir}",
        f"hydra.run.dir={tmp_path}/{run_dir}",
        *overrides,
        root=tmp_path,
        tracking_uri=f"sqlite:///{tmp_path}/mlflow.db",
    )


def fault(name: str, **kwargs) -> list[str]:
    args = [f"+callbacks.fault._target_=fault_injection.{name}"]
    return args + [f"+callbacks.fault.{key}={value}" for key, value in kwargs.items()]


def runs(tmp_path: Path) -> list:
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    return client.search_runs([e.experiment_id for e in client.search_experiments()])


@pytest.mark.slow
@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_signal_mid_epoch_saves_a_checkpoint_and_marks_the_run_killed(
    tmp_path: Path, data_dir: Path, signal_name: str
) -> None:
    result = train_script(
        tmp_path,
        data_dir,
        "run",
        "model=vae",
        "trainer.max_epochs=3",
        *fault("SignalSelf", epoch=1, batch=1, signal_name=signal_name),
    )
    assert result.returncode == 2, result.stderr[-2000:]
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("error: training interrupted at step")
    [run] = runs(tmp_path)
    assert f"resume={run.info.run_id}" in message
    assert run.info.status == "KILLED"
    checkpoints = tmp_path / "run" / "checkpoints"
    assert load_module(checkpoints / "interrupted.ckpt").hparams["name"] == "vae"
    assert (checkpoints / "last.ckpt").is_file()  # the finished first epoch is kept too


@pytest.mark.slow
@pytest.mark.parametrize("model", ["gan", "vae"])
def test_killed_run_resumes_in_the_same_mlflow_run_to_identical_weights(
    tmp_path: Path, data_dir: Path, model: str
) -> None:
    four_epochs = [f"model={model}", "trainer.max_epochs=4", "seed=5"]
    straight = train_script(tmp_path, data_dir, "straight", *four_epochs)
    assert straight.returncode == 0, straight.stderr[-2000:]

    killed = train_script(
        tmp_path,
        data_dir,
        "killed",
        *four_epochs,
        *fault("SignalSelf", epoch=2, batch=1, signal_name="SIGKILL"),
    )
    assert killed.returncode == -signal.SIGKILL
    [killed_run] = [r for r in runs(tmp_path) if r.info.status == "RUNNING"]

    resumed = train_script(
        tmp_path, data_dir, "resumed", *four_epochs, f"resume={killed_run.info.run_id}"
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]

    assert len(runs(tmp_path)) == 2  # the uninterrupted run and the killed-then-resumed one
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    assert client.get_run(killed_run.info.run_id).info.status == "FINISHED"
    epochs = {m.value for m in client.get_metric_history(killed_run.info.run_id, "epoch")}
    assert epochs == {0, 1, 2, 3}

    expected = torch.load(tmp_path / "straight/checkpoints/last.ckpt", weights_only=True)
    actual = torch.load(tmp_path / "resumed/checkpoints/last.ckpt", weights_only=True)
    assert actual["epoch"] == expected["epoch"] == 3
    for name, tensor in expected["state_dict"].items():
        assert torch.equal(tensor, actual["state_dict"][name]), f"{name} differs after resume"


@pytest.mark.slow
def test_non_finite_loss_stops_with_the_step_keeps_the_good_checkpoint_and_fails_the_run(
    tmp_path: Path, data_dir: Path
) -> None:
    result = train_script(
        tmp_path,
        data_dir,
        "run",
        "model=gan",
        "trainer.max_epochs=3",
        *fault("PoisonWeights", epoch=1, batch=1),
    )
    assert result.returncode == 2, result.stderr[-2000:]
    message = result.stderr.strip().splitlines()[-1]  # after Python warnings, if any
    assert message.startswith("error: training diverged at step ")
    assert "train/d_loss" in message and "nan" in message
    last_good = tmp_path / "run" / "checkpoints" / "last.ckpt"
    assert str(last_good) in message
    weights = torch.load(last_good, weights_only=True)["state_dict"].values()
    assert all(torch.isfinite(w).all() for w in weights if w.is_floating_point())
    [run] = runs(tmp_path)
    assert run.info.status == "FAILED"
