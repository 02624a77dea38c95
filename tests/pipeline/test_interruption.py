"""Interruption, resume and divergence on real training runs (subprocesses, real signals)."""

import json
import signal
from pathlib import Path

import pytest
import torch
from mlflow import MlflowClient
from states import differing_keys

from genlab.models.checkpoints import load_module

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


@pytest.fixture(scope="module")
def straight(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):
    """`straight(*overrides)`: the last.ckpt of an uninterrupted run, trained once per module in
    this process (the killed and resumed runs it is compared with are real processes)."""
    from genlab.app.train import train

    from compose import compose_config

    done: dict[tuple[str, ...], Path] = {}

    def run(*overrides: str) -> Path:
        if overrides not in done:
            folder = tmp_path_factory.mktemp("straight")
            cfg = compose_config(
                "train",
                [*TINY_RUN, f"paths.root_dir={folder}", f"paths.data_dir={data_dir}",
                 f"paths.output_dir={folder}/run", "logger=none", *overrides],
            )  # fmt: skip
            train(cfg)
            done[overrides] = folder / "run" / "checkpoints" / "last.ckpt"
        return done[overrides]

    return run


def start_probe(tmp_path: Path) -> list[str]:
    """Overrides that make the run write where its fit started (tests/pipeline/start_probe.py)."""
    return [
        "+callbacks.start_probe._target_=start_probe.RecordStart",
        f"+callbacks.start_probe.path={tmp_path}/start.json",
    ]


def started_from(tmp_path: Path, checkpoint: Path) -> None:
    """The resumed fit began at the checkpoint's step and epoch, not at 0: a restart that
    ignored the checkpoint would end with the same weights (seeded) and the same metric
    history (the logger skips logged steps), and pass everything else."""
    saved = torch.load(checkpoint, map_location="cpu", weights_only=True)
    start = json.loads((tmp_path / "start.json").read_text())
    assert saved["global_step"] > 0
    assert start["global_step"] == saved["global_step"]
    # An epoch's last.ckpt holds that epoch and continues with the next; a mid-epoch one
    # continues in its own.
    assert start["epoch"] in (saved["epoch"], saved["epoch"] + 1)


def recorded_newest(run_id: str, tmp_path: Path) -> Path:
    """The checkpoint the run says a resume continues from, copied aside (a resumed run may
    rewrite files in that folder)."""
    import shutil

    tags = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db").get_run(run_id).data.tags
    copy = tmp_path / "recorded_newest.ckpt"
    shutil.copy(tags["genlab.checkpoint.last"], copy)
    return copy


def same_weights(expected_ckpt: Path, actual_ckpt: Path) -> None:
    """Both the weights that are scored (EMA's average, when on) and the raw ones."""
    expected = torch.load(expected_ckpt, weights_only=True)
    actual = torch.load(actual_ckpt, weights_only=True)
    assert actual["epoch"] == expected["epoch"]
    for key in ("state_dict", "current_model_state"):
        assert (key in expected) == (key in actual)
        differing = differing_keys(expected.get(key, {}), actual.get(key, {}))
        assert not differing, f"{key}: {differing} differ after resume"


def step_histories_have_no_repeats(run_id: str, tmp_path: Path) -> None:
    """Per-step metrics have one point per step. (Lightning logs `epoch` beside every metric,
    so its history repeats steps in any run.)"""
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    step_keys = [k for k in client.get_run(run_id).data.metrics if k.endswith("_step")]
    assert step_keys
    for key in step_keys:
        steps = [m.step for m in client.get_metric_history(run_id, key)]
        assert len(steps) == len(set(steps)), f"{key} logged a step twice: {sorted(steps)}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("model", "extra"),
    # the GAN module with the most state to restore (BatchNorm, EMA). The VAE's killed run
    # resumes, twice, in test_resuming_a_resumed_run_...; the MLP GAN's killed jobs in
    # test_sweep_resume's joblib sweep.
    [("dcgan", ["callbacks.ema.enabled=true"])],
    ids=["dcgan-batchnorm-ema"],
)
def test_killed_run_resumes_in_the_same_mlflow_run_to_identical_weights(
    tmp_path: Path, data_dir: Path, model: str, extra: list[str], straight
) -> None:
    four_epochs = [f"model={model}", "trainer.max_epochs=4", "seed=5", *extra]

    killed = train_script(
        tmp_path,
        data_dir,
        "killed",
        *four_epochs,
        *fault("SignalSelf", epoch=2, batch=1, signal_name="SIGKILL"),
    )
    assert killed.returncode == -signal.SIGKILL
    [killed_run] = [r for r in runs(tmp_path) if r.info.status == "RUNNING"]
    newest = recorded_newest(killed_run.info.run_id, tmp_path)

    resumed = train_script(
        tmp_path,
        data_dir,
        "resumed",
        *four_epochs,
        f"resume={killed_run.info.run_id}",
        *start_probe(tmp_path),
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    started_from(tmp_path, newest)

    assert len(runs(tmp_path)) == 1  # the killed run, resumed in place
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    assert client.get_run(killed_run.info.run_id).info.status == "FINISHED"
    epochs = {m.value for m in client.get_metric_history(killed_run.info.run_id, "epoch")}
    assert epochs == {0, 1, 2, 3}
    step_histories_have_no_repeats(killed_run.info.run_id, tmp_path)
    same_weights(straight(*four_epochs), tmp_path / "resumed/checkpoints/last.ckpt")


@pytest.mark.slow
def test_a_run_interrupted_mid_epoch_resumes_from_its_interrupted_checkpoint(
    tmp_path: Path, data_dir: Path, straight
) -> None:
    """SIGTERM mid-epoch writes interrupted.ckpt, newer than last.ckpt; the resume hint
    repeats the command's overrides, and the resumed run ends with the uninterrupted weights."""
    four_epochs = ["model=dcgan", "trainer.max_epochs=4", "seed=5"]
    stopped = train_script(
        tmp_path,
        data_dir,
        "stopped",
        *four_epochs,
        *fault("SignalSelf", epoch=2, batch=1, signal_name="SIGTERM"),
    )
    assert stopped.returncode == 2, stopped.stderr[-2000:]
    hint = stopped.stderr.strip().splitlines()[-1]
    assert hint.startswith("error: training interrupted at step")
    [run] = runs(tmp_path)
    assert run.info.status == "KILLED"
    assert load_module(tmp_path / "stopped/checkpoints/interrupted.ckpt").hparams["name"] == "dcgan"
    command = hint.split("continue with: ", 1)[1]
    assert command.startswith("python pipelines/train.py ")
    assert "model=dcgan" in command and "trainer.max_epochs=4" in command
    assert command.endswith(f"resume={run.info.run_id}")
    assert run.data.tags["genlab.checkpoint.last"].endswith("interrupted.ckpt")
    newest = recorded_newest(run.info.run_id, tmp_path)

    resumed = train_script(
        tmp_path,
        data_dir,
        "resumed",
        *four_epochs,
        f"resume={run.info.run_id}",
        *start_probe(tmp_path),
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    started_from(tmp_path, newest)  # mid-epoch: a step inside epoch 2
    same_weights(straight(*four_epochs), tmp_path / "resumed/checkpoints/last.ckpt")
    step_histories_have_no_repeats(run.info.run_id, tmp_path)


@pytest.mark.slow
def test_a_run_interrupted_mid_epoch_with_accumulated_gradients_resumes_at_its_next_batch(
    tmp_path: Path, data_dir: Path, straight
) -> None:
    """With 2 batches a step, the optimizer steps no longer count the epoch's batches: the
    training order's own saved position says where the epoch stood. The stop is Ctrl-C
    (SIGINT), which takes SIGTERM's path: one line, the run KILLED, both checkpoints kept."""
    four_epochs = [
        "model=vae",
        "trainer.max_epochs=4",
        "seed=5",
        "trainer.accumulate_grad_batches=2",
    ]
    stopped = train_script(
        tmp_path,
        data_dir,
        "stopped",
        *four_epochs,
        *fault("SignalSelf", epoch=2, batch=1, signal_name="SIGINT"),
    )
    assert stopped.returncode == 2, stopped.stderr[-2000:]
    message = stopped.stderr.strip().splitlines()[-1]
    assert message.startswith("error: training interrupted at step")
    [run] = runs(tmp_path)
    assert f"resume={run.info.run_id}" in message
    assert run.info.status == "KILLED"
    checkpoints = tmp_path / "stopped" / "checkpoints"
    assert load_module(checkpoints / "interrupted.ckpt").hparams["name"] == "vae"
    assert (checkpoints / "last.ckpt").is_file()  # the finished epochs are kept too
    newest = recorded_newest(run.info.run_id, tmp_path)

    resumed = train_script(
        tmp_path,
        data_dir,
        "resumed",
        *four_epochs,
        f"resume={run.info.run_id}",
        *start_probe(tmp_path),
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "dataloader is not resumable" not in resumed.stderr
    started_from(tmp_path, newest)
    same_weights(straight(*four_epochs), tmp_path / "resumed/checkpoints/last.ckpt")


@pytest.mark.slow
def test_resuming_a_resumed_run_continues_from_its_newest_checkpoint(
    tmp_path: Path, data_dir: Path, straight
) -> None:
    """Killed twice, in a folder another model used too and then in a new folder: every
    resume finds the run's own newest checkpoint."""
    four_epochs = ["model=vae", "trainer.max_epochs=4", "seed=5"]

    # Another model finished in the same folder first: its last.ckpt is there already, so this
    # run's own newest checkpoint is last-v1.ckpt.
    other = train_script(tmp_path, data_dir, "shared", "model=gan", "trainer.max_epochs=1")
    assert other.returncode == 0, other.stderr[-2000:]
    first = train_script(
        tmp_path,
        data_dir,
        "shared",
        *four_epochs,
        *fault("SignalSelf", epoch=1, batch=1, signal_name="SIGKILL"),
    )
    assert first.returncode == -signal.SIGKILL
    [run] = [r for r in runs(tmp_path) if r.info.status == "RUNNING"]
    recorded = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db").get_run(run.info.run_id)
    assert recorded.data.tags["genlab.checkpoint.last"].endswith("shared/checkpoints/last-v1.ckpt")

    second = train_script(
        tmp_path,
        data_dir,
        "second",
        *four_epochs,
        f"resume={run.info.run_id}",
        *fault("SignalSelf", epoch=2, batch=1, signal_name="SIGKILL"),
    )
    assert second.returncode == -signal.SIGKILL, second.stderr[-2000:]
    newest = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db").get_run(run.info.run_id)
    assert newest.data.tags["genlab.checkpoint.last"] == str(
        tmp_path / "second/checkpoints/last.ckpt"
    )

    newest_copy = recorded_newest(run.info.run_id, tmp_path)
    third = train_script(
        tmp_path, data_dir, "third", *four_epochs, f"resume={run.info.run_id}",
        *start_probe(tmp_path),
    )  # fmt: skip
    assert third.returncode == 0, third.stderr[-2000:]
    assert (
        "Restoring states from the checkpoint path at " + str(tmp_path / "second")
        in third.stdout + third.stderr
    )
    started_from(tmp_path, newest_copy)
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    assert sorted(r.data.tags.get("model") for r in runs(tmp_path)) == ["gan", "vae"]  # resumed
    assert client.get_run(run.info.run_id).info.status == "FINISHED"  # in place, not anew
    epochs = {m.value for m in client.get_metric_history(run.info.run_id, "epoch")}
    assert epochs == {0, 1, 2, 3}
    same_weights(straight(*four_epochs), tmp_path / "third/checkpoints/last.ckpt")
    step_histories_have_no_repeats(run.info.run_id, tmp_path)


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
