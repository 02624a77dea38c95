"""The real `dvc repro` on a tiny pipeline in a temp git repo: every stage runs, metrics are
listed, a second repro runs nothing, `make stacked` (stacked/dvc.yaml) reuses the default
pipeline's prepared digits and evaluator, a change to one model's config touches only its
stages, and `dvc exp run -S` on its recipe re-runs them. One repo for both pipelines: the
stacked benchmark needs what the default pipeline makes, and making it twice would cost the
suite a minute."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient

from compose import ROOT

TINY_PARAMS = {
    "data": "mnist5k",
    "seed": 1,
    "models": {  # the report's columns: conditional (cdcgan) and unconditional (the VAE)
        "cdcgan": {"model": "dcgan", "module": "gan_module"},
        "vae": {"model": "vae", "module": "vae_module"},
    },
    "evaluator": {"epochs": 1},
    "eval": {"num_samples": 200},
}
STACKED_PARAMS = {
    "models": ["cdcgan"],  # a three-channel DCGAN asked for 1,000 classes: every new path
    "seeds": [1],
    "eval": {"num_samples": 200, "mode_samples": 1000},
}


def stage_env() -> dict[str, str]:
    """As `make run` runs the stages: this venv's python first, no store or root from outside."""
    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{venv_bin}:{os.environ['PATH']}"}
    for key in ("MLFLOW_TRACKING_URI", "GENLAB_ROOT"):
        env.pop(key, None)
    return env


def dvc(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = stage_env()
    result = subprocess.run(
        [sys.executable, "-m", "dvc", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def committed(repo: Path) -> Path:
    """`repo` as a git and DVC repository with everything in it committed (`dvc exp` needs a
    commit)."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    dvc(repo, "init", "-q")
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "pipeline"], cwd=repo, check=True)
    return repo


def stages_run(output: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", output))


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("pipeline")
    for name in ["conf", "pipelines", "src", "stacked"]:
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ["dvc.yaml", ".gitignore"]:
        shutil.copy(ROOT / name, repo / name)
    (repo / "params.yaml").write_text(yaml.safe_dump(TINY_PARAMS))
    for model in TINY_PARAMS["models"]:  # a few batches each: the recipes' budgets are minutes
        recipe = repo / "conf" / "experiment" / f"{model}.yaml"
        tiny = "max_epochs: 1\n  limit_train_batches: 10"
        text = re.sub(r"max_epochs: \d+", tiny, recipe.read_text())
        every_epoch = "check_val_every_n_epoch: 1"
        recipe.write_text(re.sub(r"check_val_every_n_epoch: \d+", every_epoch, text))
    (repo / "stacked" / "params.yaml").write_text(yaml.safe_dump(STACKED_PARAMS))
    data = repo / "conf" / "data" / "stacked_mnist.yaml"
    text = re.sub(r"train_size: \d+", "train_size: 2000", data.read_text())
    data.write_text(re.sub(r"val_size: \d+", "val_size: 1000", text))
    recipe = repo / "conf" / "experiment" / "stacked_dcgan.yaml"
    text = re.sub(r"limit_train_batches: \d+", "limit_train_batches: 5", recipe.read_text())
    recipe.write_text(re.sub(r"max_epochs: \d+", "max_epochs: 1", text))
    return committed(repo)


@pytest.mark.slow
def test_repro_runs_every_stage_then_nothing_then_only_what_changed(repo: Path) -> None:
    first = dvc(repo, "repro")
    # the default target is the default pipeline: `make run` does not run the benchmark
    assert stages_run(first.stdout) == {
        "prepare",
        "evaluator",
        "train@cdcgan",
        "train@vae",
        "evaluate@cdcgan",
        "evaluate@vae",
        "report",
    }
    metrics = json.loads(dvc(repo, "metrics", "show", "--json").stdout)
    shown = json.dumps(metrics)
    for model in ["cdcgan", "vae"]:
        scores = json.loads((repo / "reports" / "metrics" / f"{model}.json").read_text())
        assert scores["fid"] > 0 and scores["is_mean"] >= 1 and "kid" in scores
        assert f"reports/metrics/{model}.json" in shown
        # The conditional column: its samples' labels scored by the evaluator.
        assert ("label_accuracy" in scores) == (model == "cdcgan")
    conditional = json.loads((repo / "reports" / "metrics" / "cdcgan.json").read_text())
    assert 0 <= conditional["label_accuracy"] <= 1 and conditional["intra_fid"] > 0
    assert "cdcgan" in (repo / "reports" / "report.md").read_text()
    assert "val_accuracy" in shown
    assert (repo / "reports" / "report.md").read_text().count("|") > 10
    assert (repo / "reports" / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    plots = json.loads(dvc(repo, "plots", "show", "--json").stdout)["data"]
    vae_curve = [row for plot in plots["vae_losses"] for row in plot["content"]["data"]["values"]]
    assert any(row.get("train/kl_epoch") for row in vae_curve), plots["vae_losses"]

    assert stages_run(dvc(repo, "repro").stdout) == set()
    relocated(repo)
    stacked_benchmark(repo)

    vae_config = repo / "conf" / "model" / "vae.yaml"
    vae_config.write_text(vae_config.read_text() + "beta: 2.0\n")  # the schema's is 0.1
    # Only the VAE's training sees the change (its evaluation and the report follow its output);
    # the experiment below runs that chain, model config change included.
    assert set(json.loads(dvc(repo, "status", "dvc.yaml", "--json").stdout)) == {"train@vae"}

    experiment = dvc(repo, "exp", "run", "-S", "conf/experiment/vae.yaml:trainer.max_epochs=2")
    assert stages_run(experiment.stdout) == {"train@vae", "evaluate@vae", "report"}
    shown = json.loads(dvc(repo, "exp", "show", "--json").stdout)
    experiments = [exp for rev in shown for run in rev["experiments"] or [] for exp in run["revs"]]
    recipe = "conf/experiment/vae.yaml"
    tried = [exp["data"]["params"][recipe]["data"]["trainer"]["max_epochs"] for exp in experiments]
    assert 2 in tried, shown


def relocated(repo: Path) -> None:
    """The finished pipeline copied to another folder is still a finished pipeline there: a
    no-op repro, and its hand-off file names the copy's own checkpoint (the original's models
    are moved away, so a path into the original would fail)."""
    copy = repo.parent / f"{repo.name}-moved"
    shutil.copytree(repo, copy, symlinks=True)
    hand_off = json.loads((copy / "models" / "vae" / "train.json").read_text())
    assert not Path(hand_off["checkpoint"]).is_absolute(), hand_off
    assert not Path(hand_off["sample_grid"]).is_absolute(), hand_off
    (repo / "models").rename(repo / "models-away")
    try:
        assert stages_run(dvc(copy, "repro").stdout) == set()
        scored = subprocess.run(
            [sys.executable, "pipelines/evaluate.py", "train_result=models/vae/train.json",
             "eval.num_samples=200", "metrics_path=moved.json", "hydra.run.dir=moved-eval"],
            cwd=copy, env=stage_env(), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert scored.returncode == 0, scored.stderr[-3000:]
        assert json.loads((copy / "moved.json").read_text())["checkpoint"] == hand_off["checkpoint"]
    finally:
        (repo / "models-away").rename(repo / "models")


def stacked_benchmark(repo: Path) -> None:
    """`make stacked` on a small setting: it runs only its own stages (the default pipeline's
    prepared digits and evaluator are up to date), trains and scores a conditional DCGAN on
    Stacked MNIST, logs it to MLflow, and writes the report."""
    ran = stages_run(dvc(repo, "repro", "stacked/dvc.yaml").stdout)
    stages = ("prepare", "train@cdcgan-1", "evaluate@cdcgan-1", "report")
    assert ran == {f"stacked/dvc.yaml:{stage}" for stage in stages}

    metrics = repo / "reports" / "stacked_mnist" / "metrics"
    conditional = json.loads((metrics / "cdcgan-seed1.json").read_text())
    histogram = conditional["mode_histogram"]
    assert conditional["mode_samples"] == 1000 and sum(histogram) == 1000
    assert 1 <= conditional["modes"] == sum(count > 0 for count in histogram) <= 1000
    assert 0 <= conditional["mode_kl"] <= 7 and conditional["fid"] > 0
    assert "label_accuracy" in conditional and "intra_fid" not in conditional  # 1,000 classes
    reference = conditional["reference"]
    # 1,000 held-out stacks hold 1,000 distinct triples; the evaluator's errors alone move them.
    assert reference["modes"] > 300 and reference["mode_samples"] == 1000

    report = (repo / "reports" / "stacked_mnist.md").read_text()
    rows = [line for line in report.splitlines() if line.startswith("| ")]
    assert any(row.startswith("| cdcgan | 1 |") for row in rows)
    assert any(row.startswith("| real data") for row in rows)
    assert any(row.startswith("| PacDCGAN2 | PacGAN") for row in rows)
    for figure in ("heatmaps.png", "real_samples.png", "figures/cdcgan-seed1_samples.png"):
        assert (repo / "reports" / "stacked_mnist" / figure).read_bytes()[:4] == b"\x89PNG"

    client = MlflowClient(f"sqlite:///{repo / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("stacked_mnist")
    [run] = client.search_runs([experiment.experiment_id])
    assert run.data.tags["model"] == "cdcgan"
    assert run.data.metrics["eval/modes"] == conditional["modes"]
    assert "eval/reference_mode_kl" in run.data.metrics
    assert stages_run(dvc(repo, "repro", "stacked/dvc.yaml").stdout) == set()
