"""`make stacked` on a small setting: the real `dvc repro stacked/dvc.yaml` in a temp git repo
runs the default pipeline's prepare and evaluator stages it needs, trains and scores a conditional
DCGAN on Stacked MNIST, logs them to MLflow, and writes the report."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from mlflow.tracking import MlflowClient
from test_dvc_pipeline import committed, dvc, stages_run

from compose import ROOT

STACKED_PARAMS = {
    "models": ["cdcgan"],  # a three-channel DCGAN asked for 1,000 classes: every new path
    "seeds": [1],
    "eval": {"num_samples": 200, "mode_samples": 1000},
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("stacked")
    for name in ["conf", "pipelines", "src", "stacked"]:
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ["dvc.yaml", ".gitignore"]:
        shutil.copy(ROOT / name, repo / name)
    main_params = yaml.safe_load((ROOT / "params.yaml").read_text())  # its evaluator is needed
    main_params["evaluator"]["epochs"] = 1
    (repo / "params.yaml").write_text(yaml.safe_dump(main_params))
    (repo / "stacked" / "params.yaml").write_text(yaml.safe_dump(STACKED_PARAMS))
    data = repo / "conf" / "data" / "stacked_mnist.yaml"
    text = re.sub(r"train_size: \d+", "train_size: 2000", data.read_text())
    data.write_text(re.sub(r"val_size: \d+", "val_size: 1000", text))
    recipe = repo / "conf" / "experiment" / "stacked_dcgan.yaml"
    recipe.write_text(
        re.sub(r"limit_train_batches: \d+", "limit_train_batches: 5", recipe.read_text())
    )
    recipe.write_text(re.sub(r"max_epochs: \d+", "max_epochs: 1", recipe.read_text()))
    return committed(repo)


@pytest.mark.slow
def test_make_stacked_trains_scores_logs_and_reports(repo: Path) -> None:
    ran = stages_run(dvc(repo, "repro", "stacked/dvc.yaml").stdout)
    expected = {f"stacked/dvc.yaml:{s}@cdcgan-1" for s in ("train", "evaluate")}
    assert (
        ran
        == {"prepare", "evaluator", "stacked/dvc.yaml:prepare", "stacked/dvc.yaml:report"}
        | expected
    )

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
    runs = client.search_runs([experiment.experiment_id])
    assert [run.data.tags["model"] for run in runs] == ["cdcgan"]
    for run in runs:
        assert (
            run.data.metrics["eval/modes"]
            == json.loads((metrics / f"{run.data.tags['model']}-seed1.json").read_text())["modes"]
        )
        assert "eval/reference_mode_kl" in run.data.metrics

    assert stages_run(dvc(repo, "repro", "stacked/dvc.yaml").stdout) == set()
    # the default pipeline stays the default target: `make run` does not run the benchmark
    main = json.loads(dvc(repo, "status", "--json").stdout)
    assert "evaluator" not in main and not any("stacked" in stage for stage in main)
