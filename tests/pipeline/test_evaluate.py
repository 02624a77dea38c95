"""Evaluation on real components: a trained evaluator, a trained generator, a real MLflow store."""

import json
from pathlib import Path

import pytest
import torch
from mlflow import MlflowClient

from genlab.app.evaluate import evaluate
from genlab.app.train import train
from genlab.app.train_evaluator import train_evaluator
from genlab.utils.errors import GenlabError

from compose import TINY_RUN, compose_config


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A trained evaluator and a tiny trained VAE tracked in MLflow, shared by the tests."""
    root = tmp_path_factory.mktemp("evaluate")
    paths = [f"paths.root_dir={root}"]
    evaluator_cfg = compose_config(
        "evaluator", [*paths, "trainer.max_epochs=3", "trainer.enable_progress_bar=false"]
    )
    evaluator = train_evaluator(evaluator_cfg)
    trained = train(
        compose_config("train", [*paths, f"paths.output_dir={root}/run", *TINY_RUN, "model=vae"])
    )
    return {"root": root, "evaluator": evaluator, "train": trained, "paths": paths}


def eval_config(workspace: dict, *overrides: str):
    return compose_config(
        "evaluate", [*workspace["paths"], "eval.num_samples=200", "eval.batch_size=100", *overrides]
    )


def test_evaluator_learns_the_digits(workspace: dict) -> None:
    assert workspace["evaluator"]["val_accuracy"] > 0.85
    saved = json.loads(
        Path(workspace["evaluator"]["checkpoint"]).with_name("metrics.json").read_text()
    )
    assert saved["val_accuracy"] == workspace["evaluator"]["val_accuracy"]


def test_scores_are_written_logged_and_real_features_cached(workspace: dict) -> None:
    tracking_uri, run_id = workspace["train"].run.tracking_uri, workspace["train"].run.run_id
    out = workspace["root"] / "eval1"
    first = evaluate(eval_config(workspace, f"run_id={run_id}"), output_dir=out)

    # The real-data reference: held-out digits look like the training digits, and the
    # evaluator sees about one confident class per digit (IS near the 10 classes; lower here,
    # since 200 images make 10 IS splits of 20, too few to hold every class evenly).
    assert first["reference"]["is_mean"] > 5
    assert first["reference"]["fid"] < first["fid"]
    assert json.loads((out / "metrics.json").read_text())["fid"] == first["fid"]
    assert (out / "samples.png").read_bytes()[:4] == b"\x89PNG"

    run = MlflowClient(tracking_uri).get_run(run_id)
    assert run.data.metrics["eval/fid"] == pytest.approx(first["fid"])
    assert "eval/reference_is_mean" in run.data.metrics
    artifacts = [a.path for a in MlflowClient(tracking_uri).list_artifacts(run_id, "evaluation")]
    assert artifacts == ["evaluation/nearest.png", "evaluation/samples.png"]
    assert (out / "nearest.png").read_bytes()[:4] == b"\x89PNG"

    cache = workspace["root"] / ".cache" / "real_features"
    assert len(list(cache.glob("*.pt"))) == 2  # train and val features
    assert len(list(cache.glob("*.json"))) == 1  # the real-data row's scores
    cache_files = sorted(cache.glob("*"))
    stamps = [p.stat().st_mtime_ns for p in cache_files]
    second = evaluate(
        eval_config(workspace, f"ckpt_path={workspace['train'].checkpoint}"),
        output_dir=workspace["root"] / "eval2",
    )
    assert [p.stat().st_mtime_ns for p in cache_files] == stamps  # read, not recomputed
    assert sorted(cache.glob("*")) == cache_files
    assert second["fid"] == pytest.approx(first["fid"])  # same seed, same samples
    assert second["reference"] == first["reference"]


def test_every_score_has_its_reference_at_the_same_sample_count(workspace: dict) -> None:
    """FID is biased by the sample count: the reference row scores as many held-out images as
    there are generated ones, so it moves with eval.num_samples as the model rows do."""
    ckpt = f"ckpt_path={workspace['train'].checkpoint}"
    small = evaluate(eval_config(workspace, ckpt), output_dir=workspace["root"] / "n200")
    large = evaluate(
        eval_config(workspace, ckpt, "eval.num_samples=1000"), output_dir=workspace["root"] / "n1k"
    )
    assert small["reference"]["num_samples"] == 200 and large["reference"]["num_samples"] == 1000
    assert small["reference"]["fid"] > large["reference"]["fid"]  # fewer samples, more bias
    assert "note" not in large["reference"]
    for result in (small, large):
        for key in ("precision", "recall", "density", "coverage", "kid", "is_mean"):
            assert key in result and key in result["reference"]
        assert result["fid_low"] < result["fid"] < result["fid_high"]
        assert result["kid_low"] < result["kid"] < result["kid_high"]
        assert result["memorization_ratio"] > 0
        assert 0 <= result["reference"]["precision"] <= 1


def test_more_samples_than_the_val_split_is_said_in_the_json(workspace: dict) -> None:
    result = evaluate(
        eval_config(
            workspace, f"ckpt_path={workspace['train'].checkpoint}", "eval.num_samples=1200"
        ),
        output_dir=workspace["root"] / "n1200",
    )
    assert result["reference"]["num_samples"] == 1000
    assert (
        "the val split has 1000 images, fewer than the 1200 generated"
        in result["reference"]["note"]
    )
    saved = json.loads(Path(result["metrics_path"]).read_text())
    assert saved["reference"]["note"] == result["reference"]["note"]


def test_missing_evaluator_says_how_to_train_it(workspace: dict, tmp_path: Path) -> None:
    cfg = eval_config(
        workspace,
        f"ckpt_path={workspace['train'].checkpoint}",
        f"eval.evaluator_ckpt={tmp_path}/none.ckpt",
    )
    with pytest.raises(GenlabError, match="evaluator not found .*train_evaluator.py"):
        evaluate(cfg, output_dir=tmp_path)


def test_fid_monitor_keeps_the_best_epoch_by_validation_fid(workspace: dict) -> None:
    import torch

    root = workspace["root"]
    result = train(
        compose_config(
            "train",
            [
                *workspace["paths"],
                f"paths.output_dir={root}/gan",
                *TINY_RUN,
                "model=gan",
                "trainer.max_epochs=3",
                "callbacks=with_fid",
                "callbacks.fid_monitor.num_samples=200",
            ],
        )
    )
    tracking_uri, run_id = result.run.tracking_uri, result.run.run_id
    history = sorted(
        MlflowClient(tracking_uri).get_metric_history(run_id, "val/fid"), key=lambda m: m.step
    )
    assert len(history) == 3 and all(m.value > 0 for m in history)
    kept = torch.load(result.checkpoint, weights_only=True)
    best_epoch = min(range(3), key=lambda i: history[i].value)
    assert kept["epoch"] == best_epoch


class RealImages(torch.nn.Module):
    """A stand-in "generator" that draws real held-out images of the asked classes: a perfect
    conditional model, for checking what the conditional scores make of one."""

    conditional = True

    def __init__(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        super().__init__()
        self.images, self.labels, self.next = images, labels, 0

    def sample_with_labels(self, n: int, labels=None, *, generator=None):
        index = torch.arange(self.next, self.next + n) % len(self.images)
        self.next += n
        return self.images[index], self.labels[index]


def test_label_accuracy_and_intra_class_fid_of_real_images(workspace: dict) -> None:
    """Real images score the evaluator's own accuracy, and an intra-class FID at the level of
    the real reference, far below that of images with the wrong labels."""
    from genlab.data.prepared import read_split
    from genlab.metrics.evaluator import load_evaluator
    from genlab.metrics.scorer import FeatureSet, Scorer

    prepared = Path(workspace["root"]) / "data" / "prepared" / "mnist5k"
    val_images, val_labels = read_split(prepared, "val")
    train_images, train_labels = read_split(prepared, "train")
    scorer = Scorer(load_evaluator(workspace["evaluator"]["checkpoint"]), batch_size=250)
    real = RealImages(val_images.float() / 127.5 - 1, val_labels)
    train = scorer.extract(train_images.float() / 127.5 - 1, labels=train_labels)

    fake, _ = scorer.generate(real, len(val_labels), seed=0)
    scores = scorer.full_scores(train, fake)
    evaluator_accuracy = workspace["evaluator"]["val_accuracy"]
    assert scores["label_accuracy"] == pytest.approx(evaluator_accuracy, abs=0.01)

    shuffled = FeatureSet(fake.features, fake.logits, fake.labels[torch.randperm(len(fake))])
    wrong = scorer.full_scores(train, shuffled)
    assert wrong["label_accuracy"] < 0.2
    assert scores["intra_fid"] < 0.25 * wrong["intra_fid"]


def test_a_conditional_model_is_scored_with_its_conditional_columns(workspace: dict) -> None:
    root = workspace["root"]
    trained = train(
        compose_config(
            "train",
            [
                *workspace["paths"],
                f"paths.output_dir={root}/cond",
                *TINY_RUN,
                "model=dcgan",
                "model.conditional=true",
                "logger=none",
            ],
        )
    )
    result = evaluate(
        eval_config(workspace, f"ckpt_path={trained.checkpoint}"), output_dir=root / "cond-eval"
    )
    assert result["conditional"] is True
    assert 0 <= result["label_accuracy"] <= 1 and result["intra_fid"] > 0
    assert {f"intra_fid_{c}" for c in range(10)} <= set(result)
    # The reference row has them too: the evaluator's accuracy, and real images' intra-FID.
    assert result["reference"]["label_accuracy"] > 0.85
    assert result["reference"]["intra_fid"] < result["intra_fid"]
