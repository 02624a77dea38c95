"""`train.py -m <overrides> resume_sweep=<folder>`: a sweep killed with SIGKILL (its whole
process group) continues, against a real SQLite MLflow store and real processes."""

import json
import signal
import subprocess
from pathlib import Path

import pytest
import torch
import yaml
from mlflow import MlflowClient
from states import differing_keys

from compose import ROOT, TINY_RUN
from scripts import script_command, script_env

KILL = ["+callbacks.kill._target_=sweep_faults.KillSweepInJob", "+callbacks.kill.epoch=1",
        "+callbacks.kill.batch=1"]  # fmt: skip
PROBE = ["+callbacks.start_probe._target_=start_probe.RecordStart",
         "+callbacks.start_probe.path=${paths.output_dir}/start.json"]  # fmt: skip


def sweep(
    tmp_path: Path, data_dir: Path, folder: str, *overrides: str, kill_job: int | None = None
) -> subprocess.CompletedProcess:
    """`train.py -m` in its own process group (the kill takes the group, as a scheduler does)."""
    env = script_env(tmp_path, f"sqlite:///{tmp_path}/mlflow.db")
    if kill_job is not None:
        env["GENLAB_TEST_KILL_JOB"] = str(kill_job)
    command = script_command(
        "train.py", "-m", *TINY_RUN, "trainer.max_epochs=2", f"paths.data_dir={data_dir}",
        *KILL, *PROBE, *overrides, f"hydra.sweep.dir={tmp_path}/{folder}",
    )  # fmt: skip
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        start_new_session=True,
    )  # fmt: skip


def all_runs(tmp_path: Path) -> list:
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    return client.search_runs([e.experiment_id for e in client.search_experiments()])


def histories(tmp_path: Path, run_id: str) -> dict[str, list[tuple[int, float]]]:
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    return {
        key: sorted((m.step, m.value) for m in client.get_metric_history(run_id, key))
        for key in client.get_run(run_id).data.metrics
    }


@pytest.mark.slow
def test_a_sweep_killed_in_its_fourth_job_resumes_to_six_finished_runs(
    tmp_path: Path, data_dir: Path
) -> None:
    grid = ["model=gan,dcgan,vae", "seed=1,2"]
    killed = sweep(tmp_path, data_dir, "multirun", *grid, kill_job=3)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    before = {r.data.tags["genlab.sweep.job"]: r for r in all_runs(tmp_path)}
    assert sorted(r.info.status for r in before.values()) == ["FINISHED"] * 3 + ["RUNNING"]
    [cut] = [r for r in before.values() if r.info.status == "RUNNING"]
    assert cut.info.run_name.endswith("-job3")
    finished = {r.info.run_id: histories(tmp_path, r.info.run_id) for r in before.values()
                if r.info.status == "FINISHED"}  # fmt: skip
    newest = torch.load(cut.data.tags["genlab.checkpoint.last"], weights_only=True)

    resumed = sweep(tmp_path, data_dir, "resumed", *grid, f"resume_sweep={tmp_path}/multirun")
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    after = all_runs(tmp_path)
    assert len(after) == 6 and {r.info.status for r in after} == {"FINISHED"}
    assert len({r.data.tags["genlab.sweep.job"] for r in after}) == 6  # no job twice
    assert {r.data.tags["sweep"] for r in after} == {str(tmp_path / "multirun")}
    # One sweep's runs, comparable in MLflow's compare view: one experiment, the grid's model
    # and seed pairs, the same param keys (a VAE-only key padded for the GANs).
    assert len({r.info.experiment_id for r in after}) == 1
    assert len({r.info.run_name for r in after}) == 6
    assert sorted((r.data.params["model/name"], r.data.params["seed"]) for r in after) == sorted(
        (m, s) for m in ("gan", "dcgan", "vae") for s in ("1", "2")
    )
    assert len({frozenset(r.data.params) for r in after}) == 1
    gan = next(r for r in after if r.data.params["model/name"] == "gan")
    assert gan.data.params["model/beta"] == "n/a"
    by_id = {r.info.run_id: r for r in after}
    for run_id, metrics in finished.items():  # skipped: the same runs, untouched
        assert by_id[run_id].info.end_time == before_run(before, run_id).info.end_time
        assert histories(tmp_path, run_id) == metrics
    job3 = by_id[cut.info.run_id]  # the killed job continued its own run
    for key, points in histories(tmp_path, job3.info.run_id).items():
        if key.endswith("_step"):
            steps = [step for step, _ in points]
            assert len(steps) == len(set(steps)), f"{key} logged a step twice"
    start = json.loads((tmp_path / "resumed" / "3" / "start.json").read_text())
    assert start["global_step"] == newest["global_step"] > 0  # from its checkpoint, not anew
    assert not (tmp_path / "resumed" / "0" / "start.json").exists()  # finished: not trained

    # The same job in an uninterrupted sweep (one job: model=dcgan seed=2) ends with these weights.
    (tmp_path / "straight").mkdir()
    straight = sweep(tmp_path / "straight", data_dir, "multirun", "model=dcgan", "seed=2")
    assert straight.returncode == 0, straight.stderr[-2000:]
    expected = torch.load(tmp_path / "straight/multirun/0/checkpoints/last.ckpt", weights_only=True)
    actual = torch.load(job3.data.tags["genlab.checkpoint.last"], weights_only=True)
    assert actual["epoch"] == expected["epoch"]
    assert not differing_keys(expected["state_dict"], actual["state_dict"])


def before_run(before: dict, run_id: str):
    return next(r for r in before.values() if r.info.run_id == run_id)


@pytest.mark.slow
def test_an_optuna_sweep_killed_after_three_trials_ends_with_six(
    tmp_path: Path, data_dir: Path
) -> None:
    """The objective is the VAE's val/loss (no evaluator needed): the study, rebuilt from the
    sweep folder, keeps its 3 finished trials and runs 3 more, the cut one among them."""
    search = ["hparams_search=fid_optuna", "hydra.sweeper.n_trials=6", "model=vae",
              "evaluate=false", "callbacks.model_checkpoint.monitor=val/loss"]  # fmt: skip
    killed = sweep(tmp_path, data_dir, "multirun", *search, kill_job=3)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    first = json.loads((tmp_path / "multirun" / "optuna_trials.json").read_text())
    assert [t["state"] for t in first] == ["COMPLETE"] * 3 + ["RUNNING"]

    resumed = sweep(tmp_path, data_dir, "resumed", *search, f"resume_sweep={tmp_path}/multirun")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    trials = json.loads((tmp_path / "resumed" / "optuna_trials.json").read_text())
    assert [t["state"] for t in trials] == ["COMPLETE"] * 6
    assert trials[:3] == first[:3]  # the finished trials, as they were
    assert trials[3]["params"] == first[3]["params"]  # the cut trial, continued
    assert len({json.dumps(t["params"], sort_keys=True) for t in trials}) == 6  # none again
    runs = all_runs(tmp_path)
    assert len(runs) == 6 and {r.info.status for r in runs} == {"FINISHED"}
    best = yaml.safe_load((tmp_path / "resumed" / "optimization_results.yaml").read_text())
    assert best["best_value"] == min(t["values"][0] for t in trials)


def test_a_resume_with_other_overrides_is_refused_in_one_line(
    tmp_path: Path, data_dir: Path
) -> None:
    folder = tmp_path / "multirun"
    folder.mkdir()
    record = {"sweep": str(folder), "overrides": ["model=gan,dcgan,vae", "seed=1,2"]}
    (folder / "genlab_sweep.yaml").write_text(yaml.safe_dump(record))
    env = script_env(tmp_path, f"sqlite:///{tmp_path}/mlflow.db")
    result = subprocess.run(
        script_command("train.py", "-m", "model=gan,dcgan,vae", "seed=1,2,3",
                       f"resume_sweep={folder}", f"hydra.sweep.dir={tmp_path}/resumed"),
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: resume_sweep={folder}: the sweep ran seed=1,2, this command gives seed=1,2,3; "
        "repeat the sweep's own overrides to continue it"
    ]
    assert not (tmp_path / "resumed").exists() and not (tmp_path / "mlflow.db").exists()


@pytest.mark.slow
def test_a_joblib_sweep_killed_mid_job_resumes_to_one_finished_run_per_job(
    tmp_path: Path, data_dir: Path
) -> None:
    """Two jobs at once: the kill takes both, whatever each had done (joblib may have given
    both to one worker, one after the other: test_sweeps checks its two workers); the resume
    leaves one FINISHED run per job."""
    grid = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "model=gan,vae", "seed=1"]
    killed = sweep(tmp_path, data_dir, "multirun", *grid, kill_job=1)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    cut = {r.info.run_id for r in all_runs(tmp_path) if r.info.status == "RUNNING"}
    assert cut

    resumed = sweep(tmp_path, data_dir, "resumed", *grid, f"resume_sweep={tmp_path}/multirun")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    runs = all_runs(tmp_path)
    assert len(runs) == 2 and {r.info.status for r in runs} == {"FINISHED"}
    assert cut <= {r.info.run_id for r in runs}  # continued in their own runs
    assert all(r.data.metrics for r in runs)
