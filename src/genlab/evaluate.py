"""Score a generator: FID/KID/IS of its samples against the real training split, next to the
real-data reference (held-out split vs training split) in the same feature space."""

import json
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig
from torchvision.utils import save_image

from genlab.checkpoints import download_run_checkpoint, load_module
from genlab.data.prepared import read_split
from genlab.errors import GenlabError
from genlab.metrics.cache import RealFeatureCache
from genlab.metrics.extract import extract_features, generate_batches
from genlab.metrics.extractor import ClassifierExtractor, InceptionExtractor
from genlab.metrics.scores import compute_scores
from genlab.validate import check_config


def build_extractor(eval_cfg: DictConfig) -> torch.nn.Module:
    if eval_cfg.features == "inception":
        return InceptionExtractor(eval_cfg.inception_weights)
    if eval_cfg.features != "classifier":
        raise GenlabError(
            f"unknown eval.features '{eval_cfg.features}'; valid: classifier, inception"
        )
    ckpt = Path(eval_cfg.evaluator_ckpt)
    if not ckpt.is_file():
        raise GenlabError(
            f"evaluator not found at {ckpt}; train it with "
            "`python pipelines/train_evaluator.py data=<data>` or use eval.features=inception"
        )
    return ClassifierExtractor(load_module(ckpt).classifier)


def _batches(images: torch.Tensor, batch_size: int):
    return (images[i : i + batch_size] for i in range(0, len(images), batch_size))


def evaluate(cfg: DictConfig, output_dir: str | Path = ".") -> dict[str, Any]:
    """Score what the evaluate config names (a checkpoint, an MLflow run or a train result)."""
    check_config(cfg)
    ckpt_path, run_id, tracking_uri = _what_to_score(cfg)
    return score(cfg, ckpt_path, run_id, tracking_uri, output_dir)


def evaluate_trained(
    cfg: DictConfig, result: dict[str, Any], output_dir: str | Path
) -> dict[str, Any]:
    """Score a model right after `train(cfg)` in the same job (train.py evaluate=true), so a
    sweeper can minimise FID; the scores land in the training run."""
    if not result.get("checkpoint"):
        raise GenlabError(
            "evaluate=true needs the checkpoint that callbacks.model_checkpoint keeps"
        )
    tracking_uri, _, run_id = result["mlflow"][0] if result["mlflow"] else (None, None, None)
    return score(cfg, result["checkpoint"], run_id, tracking_uri, Path(output_dir) / "evaluation")


def score(
    cfg: DictConfig,
    ckpt_path: str | None,
    run_id: str | None,
    tracking_uri: str | None,
    output_dir: str | Path = ".",
) -> dict[str, Any]:
    """Score a checkpoint (or the run's) with `cfg.eval` on `cfg.data`; log into the run if any."""
    ev = cfg.eval
    extractor = build_extractor(ev).eval()
    datamodule = _prepared_datamodule(cfg)
    train_images = _real_images(datamodule.prepared_dir, "train")
    val_images = _real_images(datamodule.prepared_dir, "val")

    cache = RealFeatureCache(ev.cache_dir)

    def real_features(split: str, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        key = {
            "data_sha256": datamodule.meta["sha256"],
            "split": split,
            "extractor": extractor.fingerprint(),
            "image_shape": list(images.shape[1:]),
            "count": len(images),
        }
        return cache.get_or_compute(
            key,
            lambda: extract_features(extractor, _batches(images, ev.batch_size), f"real {split}"),
        )

    train_feats, _ = real_features("train", train_images)
    val_feats, val_logits = real_features("val", val_images)
    reference = compute_scores(train_feats, val_feats, val_logits, ev.kid_subset_size)

    ckpt = ckpt_path or download_run_checkpoint(run_id, tracking_uri)
    module = load_module(ckpt)
    generator = torch.Generator().manual_seed(ev.seed)
    fakes = torch.cat(
        list(
            generate_batches(
                lambda n: module.sample(n, generator).cpu(), ev.num_samples, ev.batch_size
            )
        )
    )
    fake_feats, fake_logits = extract_features(
        extractor, _batches(fakes, ev.batch_size), "generated"
    )
    scores = compute_scores(train_feats, fake_feats, fake_logits, ev.kid_subset_size)

    result = {
        "model": module.hparams.get("name", type(module).__name__),
        "data": datamodule.meta["name"],
        "features": ev.features,
        "num_samples": ev.num_samples,
        **scores,
        "reference": {"split": "val vs train", **reference},
    }
    out_dir = Path(output_dir)
    metrics_path = Path(cfg.get("metrics_path") or out_dir / "metrics.json")
    grid_path = Path(cfg.get("grid_path") or out_dir / "samples.png")
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    grid_path.parent.mkdir(parents=True, exist_ok=True)
    metrics_path.write_text(json.dumps(result, indent=2) + "\n")
    save_image(fakes[:64], grid_path, nrow=8, normalize=True, value_range=(-1, 1))
    if run_id is not None:
        _log_to_run(tracking_uri, run_id, result, grid_path)
    return result | {"metrics_path": str(metrics_path), "grid_path": str(grid_path)}


def _real_images(prepared_dir: str, split: str) -> torch.Tensor:
    images, _ = read_split(prepared_dir, split)
    return images.float().div(127.5).sub(1)  # the [-1, 1] range generators produce


def _prepared_datamodule(cfg: DictConfig):
    from hydra.utils import instantiate

    datamodule = instantiate(cfg.data)
    datamodule.prepare()
    return datamodule


def _what_to_score(cfg: DictConfig) -> tuple[str | None, str | None, str]:
    """(checkpoint, MLflow run id, tracking URI) from exactly one of the three ways to name it."""
    given = [k for k in ("ckpt_path", "run_id", "train_result") if cfg.get(k) is not None]
    if len(given) != 1:
        raise GenlabError(
            "give exactly one of ckpt_path=<file.ckpt>, run_id=<mlflow run id> "
            "or train_result=<train.json>"
        )
    if cfg.train_result is None:
        return cfg.ckpt_path, cfg.run_id, cfg.tracking_uri
    path = Path(cfg.train_result)
    if not path.is_file():
        raise GenlabError(f"train result not found: {path}")
    summary = json.loads(path.read_text())
    uri = summary.get("mlflow_tracking_uri") or cfg.tracking_uri
    return summary["checkpoint"], summary.get("mlflow_run_id"), uri


def _log_to_run(tracking_uri: str, run_id: str, result: dict[str, Any], grid_path: Path) -> None:
    """Into the training run itself, so the MLflow UI compares models on these numbers."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri)
    for key in ("fid", "kid_mean", "kid_std", "is_mean", "is_std"):
        client.log_metric(run_id, f"eval/{key}", float(result[key]))
        client.log_metric(run_id, f"eval/reference_{key}", float(result["reference"][key]))
    client.log_artifact(run_id, str(grid_path), "evaluation")
