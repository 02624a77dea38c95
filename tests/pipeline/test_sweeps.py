"""Hydra sweeps as a user starts them (`train.py -m ...`), landing in one real MLflow store."""

import math
import subprocess
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient

from genlab.app.train_evaluator import train_evaluator

from compose import ROOT, TINY_RUN, compose_config
from scripts import run_script, script_command, script_env


def sweep(tmp_path: Path, data_dir: Path, *overrides: str) -> MlflowClient:
    """Run `train.py -m <overrides>` on tiny runs; the client of its SQLite store."""
    tracking_uri = f"sqlite:///{tmp_path}/mlflow.db"
    result = run_script(
        "train.py",
        "-m",
        *overrides,
        *TINY_RUN,
        f"paths.data_dir={data_dir}",
        f"hydra.sweep.dir={tmp_path}/multirun",
        root=tmp_path,
        tracking_uri=tracking_uri,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return MlflowClient(tracking_uri)


def all_runs(client: MlflowClient) -> list:
    return client.search_runs([e.experiment_id for e in client.search_experiments()])


@pytest.mark.slow
def test_optuna_search_returns_fid_as_the_objective(tmp_path: Path, data_dir: Path) -> None:
    train_evaluator(
        compose_config(
            "evaluator",
            [
                f"paths.root_dir={tmp_path}",
                f"paths.data_dir={data_dir}",
                "trainer.max_epochs=1",
                "trainer.enable_progress_bar=false",
            ],
        )
    )
    client = sweep(
        tmp_path,
        data_dir,
        "hparams_search=fid_optuna",
        "hydra.sweeper.n_trials=2",
        "model=vae",
        "eval.num_samples=200",
        "eval.batch_size=100",
    )
    runs = all_runs(client)
    assert len(runs) == 2
    fids = [r.data.metrics["eval/fid"] for r in runs]
    assert all(math.isfinite(f) for f in fids)
    best = yaml.safe_load((tmp_path / "multirun" / "optimization_results.yaml").read_text())
    assert best["best_value"] == pytest.approx(min(fids), rel=1e-6)


@pytest.mark.slow
def test_a_parallel_sweep_and_a_separate_run_share_a_fresh_store_safely(
    tmp_path: Path, data_dir: Path
) -> None:
    """Like a joblib sweep started beside a `dvc repro` train stage: three processes open the
    same new SQLite store at once; every run lands, each in its own output folder. Joblib's two
    workers each train jobs (two process ids): a launcher that ran the jobs one after another in
    its own process shows one id. No wall-clock overlap is asserted: on a loaded machine two
    workers need not overlap in time."""
    tracking_uri = f"sqlite:///{tmp_path}/mlflow.db"
    common = [*TINY_RUN, f"paths.data_dir={data_dir}"]
    tag_process = "+callbacks.process_tag._target_=process_tag.TagProcess"
    sweep_job = subprocess.Popen(
        script_command("train.py", "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
                       "model=gan,vae", "seed=1,2", tag_process, *common,
                       f"hydra.sweep.dir={tmp_path}/multirun"),
        cwd=ROOT, env=script_env(tmp_path, tracking_uri), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    stage_like = run_script(
        "train.py", "model=vae", "seed=7", *common, f"hydra.run.dir={tmp_path}/models/vae",
        root=tmp_path, tracking_uri=tracking_uri,
    )  # fmt: skip
    _, sweep_err = sweep_job.communicate(timeout=600)
    assert stage_like.returncode == 0, stage_like.stderr[-2000:]
    assert sweep_job.returncode == 0, sweep_err[-2000:]
    runs = all_runs(MlflowClient(tracking_uri))
    assert len(runs) == 5 and {r.info.status for r in runs} == {"FINISHED"}
    assert all(r.data.metrics for r in runs)
    swept = [r for r in runs if "sweep" in r.data.tags]
    assert len(swept) == 4
    assert len({r.data.tags["test.pid"] for r in swept}) == 2, "joblib ran no worker processes"
    output_dirs = {r.data.tags["genlab.output_dir"] for r in runs}
    assert len(output_dirs) == 5
    assert all(Path(d, "checkpoints", "last.ckpt").is_file() for d in output_dirs)
