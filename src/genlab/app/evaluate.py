"""Score a generator: its samples against the real training split, next to the real-data
reference (held-out images against the training split, the same number of them) in the same
feature space. Writes the metrics JSON, a sample grid and a nearest-training-image figure, and
logs the scores into the model's MLflow run."""

import json
from pathlib import Path
from typing import Any

import torch
from omegaconf import DictConfig

from genlab.app.handoff import TrainResult, portable_path, resolve_checkpoint
from genlab.data.prepared import read_split
from genlab.metrics.cache import RealFeatureCache, ScoreCache, code_fingerprint
from genlab.metrics.channels import PerChannel
from genlab.metrics.evaluator import load_evaluator
from genlab.metrics.extractor import InceptionExtractor
from genlab.metrics.memorization import nearest_training
from genlab.metrics.modes import mode_histogram, mode_scores
from genlab.metrics.scorer import FeatureSet, Scorer
from genlab.models.base import GenerativeModule
from genlab.models.checkpoints import load_module
from genlab.tracking.record import log_scores
from genlab.tracking.ref import RunRef
from genlab.utils import checks
from genlab.utils.errors import GenlabError
from genlab.utils.grids import row_labels, save_grid
from genlab.utils.pixels import from_uint8

GRID_IMAGES = 64
NEAREST_PAIRS = 16


def build_extractor(eval_cfg: DictConfig, channels: int | None = None) -> torch.nn.Module:
    if eval_cfg.features == "inception":
        return InceptionExtractor(eval_cfg.inception_weights)
    if eval_cfg.features != "classifier":
        raise GenlabError(
            f"unknown eval.features '{eval_cfg.features}'; valid: classifier, inception"
        )
    return load_evaluator(eval_cfg.evaluator_ckpt, channels)


def check_eval_options(ev: DictConfig) -> None:
    """The eval group's values, checked before a model is loaded."""
    checks.one_of("eval.features", ev.features, ("classifier", "inception"))
    checks.at_least("eval.num_samples", ev.num_samples, 2)
    checks.at_least("eval.real_samples", ev.real_samples, 2)
    checks.at_least("eval.mode_samples", ev.mode_samples, 1)
    checks.at_least("eval.batch_size", ev.batch_size, 1)
    checks.one_of("eval.device", ev.device, ("cpu", "cuda"))


def evaluate(cfg: DictConfig, output_dir: str | Path = ".") -> dict[str, Any]:
    """Score what the evaluate config names (a checkpoint, an MLflow run or a train result).
    The command line's front door has checked the config already (genlab.app.cli)."""
    check_eval_options(cfg.eval)
    checkpoint, run = resolve_checkpoint(cfg)
    return score(cfg, checkpoint, run, output_dir)


def evaluate_trained(cfg: DictConfig, result: TrainResult, output_dir: str | Path) -> dict:
    """Score a model right after `train(cfg)` in the same job (train.py evaluate=true), so a
    sweeper can minimise FID; the scores land in the training run."""
    check_eval_options(cfg.eval)
    if not result.checkpoint:
        raise GenlabError(
            "evaluate=true needs the checkpoint that callbacks.model_checkpoint keeps"
        )
    return score(cfg, Path(result.checkpoint), result.run, Path(output_dir) / "evaluation")


def check_fits_data(module: GenerativeModule, shape: tuple[int, ...], data: str) -> None:
    """A generator of another image shape cannot be scored against this data."""
    made = tuple(module.sample(2, generator=torch.Generator().manual_seed(0)).shape[1:])
    if made != shape:
        raise GenlabError(
            f"the model makes {made[0]}x{made[1]}x{made[2]} images, but data={data} has "
            f"{shape[0]}x{shape[1]}x{shape[2]}; evaluate it with the data it was trained on"
        )


def score(
    cfg: DictConfig, ckpt: Path, run: RunRef | None, output_dir: str | Path = "."
) -> dict[str, Any]:
    """Score a checkpoint with `cfg.eval` on `cfg.data`; log into its run, if it has one."""
    ev = cfg.eval
    device = torch.device(ev.get("device", "cpu"))
    overrides = dict(cfg.get("model_overrides") or {})
    module = load_module(ckpt, overrides=overrides).to(device)
    datamodule = _prepared_datamodule(cfg)
    check_fits_data(module, tuple(datamodule.meta["shape"]), datamodule.meta["name"])

    extractor = build_extractor(ev, datamodule.channels).eval().to(device)
    scorer = Scorer(extractor, ev.batch_size, ev.seed)
    cache = RealFeatureCache(ev.cache_dir)
    train_images, train_labels = _real_split(datamodule.prepared_dir, "train", ev.real_samples)
    count_modes = isinstance(extractor, PerChannel)
    val_count = max(ev.num_samples, ev.mode_samples if count_modes else 0)
    val_images, val_labels = _real_split(datamodule.prepared_dir, "val", val_count)

    def real_features(split: str, images: torch.Tensor, labels: torch.Tensor) -> FeatureSet:
        key = {
            "data_sha256": datamodule.meta["sha256"],
            "split": split,
            "extractor": scorer.extractor.fingerprint(),
            "image_shape": list(images.shape[1:]),
            "count": len(images),
        }

        def compute() -> tuple[torch.Tensor, torch.Tensor]:
            extracted = scorer.extract(images, desc=f"real {split}", progress=True)
            return extracted.features, extracted.logits

        features, logits = cache.get_or_compute(key, compute)
        return FeatureSet(features, logits, labels if module.conditional else None)

    train = real_features("train", train_images, train_labels)
    val = real_features("val", val_images, val_labels)

    # The reference scores as many held-out images as there are generated ones: FID and KID
    # are biased by the sample count, so only equal counts compare.
    held_out = val.take(ev.num_samples)
    reference = {"split": "val vs train", "num_samples": len(held_out)}
    if len(held_out) < ev.num_samples:
        reference["note"] = (
            f"the val split has {len(held_out)} images, fewer than the {ev.num_samples} "
            "generated: the reference row uses all of them, so it is not an equal-count floor"
        )
    reference |= reference_scores(ev.cache_dir, scorer, datamodule.meta, train, held_out)

    # With countable modes, the first num_samples of the mode_samples drawn are the very
    # samples that drawing num_samples alone gives (same seed, same batches).
    drawn = max(ev.num_samples, ev.mode_samples) if count_modes else ev.num_samples
    fake, images = scorer.generate(
        module, drawn, ev.seed, keep=max(GRID_IMAGES, NEAREST_PAIRS), progress=True
    )
    scores = scorer.full_scores(train, fake.take(ev.num_samples), held_out)
    if count_modes:
        scores |= mode_coverage(fake.take(ev.mode_samples), datamodule.num_classes)
        reference |= mode_coverage(val.take(ev.mode_samples), datamodule.num_classes)

    result = {
        "model": module.hparams.get("name", type(module).__name__),
        "data": datamodule.meta["name"],
        "features": ev.features,
        "num_samples": ev.num_samples,
        "conditional": module.conditional,
        "checkpoint": portable_path(ckpt, cfg.paths.root_dir),
        **({"model_overrides": overrides} if overrides else {}),
        **scores,
        "reference": reference,
    }
    out_dir = Path(output_dir)
    paths = {
        "metrics_path": Path(cfg.get("metrics_path") or out_dir / "metrics.json"),
        "grid_path": Path(cfg.get("grid_path") or out_dir / "samples.png"),
        "nearest_path": Path(cfg.get("nearest_path") or out_dir / "nearest.png"),
    }
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    paths["metrics_path"].write_text(json.dumps(result, indent=2) + "\n")
    _save_grid(module, images, paths["grid_path"], ev.seed)
    _save_nearest(images[:NEAREST_PAIRS], scorer, train, train_images, paths["nearest_path"])
    if run is not None:
        log_scores(run, numeric_scores(result), [paths["grid_path"], paths["nearest_path"]])
    return result | {key: str(path) for key, path in paths.items()}


def reference_scores(
    cache_dir: str, scorer: Scorer, meta: dict[str, Any], train: FeatureSet, held_out: FeatureSet
) -> dict[str, Any]:
    """The real-data row: held-out images scored against the training split. Every evaluation
    of the same data, extractor, count and seed gives the same row, so it is computed once."""
    from genlab.metrics import conditional, manifold, memorization, scores
    from genlab.metrics import scorer as scorer_module

    modules = [scores, manifold, memorization, conditional, scorer_module]
    key = {
        "data_sha256": meta["sha256"],
        "extractor": scorer.extractor.fingerprint(),
        "num_samples": len(held_out),
        "conditional": held_out.labels is not None,
        "seed": scorer.seed,
        "code": code_fingerprint(modules, ["torchmetrics", "prdc"]),
    }
    return ScoreCache(cache_dir).get_or_compute(key, lambda: scorer.full_scores(train, held_out))


def _save_grid(module: GenerativeModule, images: torch.Tensor, path: Path, seed: int) -> None:
    """The first generated images; for a conditional model, 8 of every class, a row each."""
    images = images[:GRID_IMAGES]
    if module.conditional:
        labels = row_labels(module.num_classes, 8)
        generator = torch.Generator().manual_seed(seed)
        images = module.sample(len(labels), labels, generator=generator).cpu()
    save_grid(images, path, nrow=8)


def _save_nearest(
    images: torch.Tensor, scorer: Scorer, train: FeatureSet, train_images: torch.Tensor, path: Path
) -> None:
    """Generated images (odd rows) over their nearest training image in feature space (even
    rows): a model that copies shows the same digit twice."""
    features = scorer.extract(images).features
    _, index = nearest_training(train.features, features)
    rows = []
    for start in range(0, len(images), 8):
        rows += [images[start : start + 8], train_images[index[start : start + 8]]]
    save_grid(torch.cat(rows), path, nrow=8)


def mode_coverage(images: FeatureSet, modes: int) -> dict[str, Any]:
    """Modes covered and KL from uniform (genlab.metrics.modes) of images whose mode is the
    evaluator's argmax over channel-class combinations (genlab.metrics.channels), and the mode
    histogram itself, for the report's heat map."""
    histogram = mode_histogram(images.logits.argmax(dim=1), modes)
    scores = mode_scores(histogram)
    return {
        "modes": scores["modes"],
        "mode_kl": scores["kl"],
        "mode_kl_log10": scores["kl_log10"],
        "mode_samples": len(images),
        "mode_histogram": histogram.tolist(),
    }


def _real_split(
    prepared_dir: str, split: str, count: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The first `count` images of a prepared split (each is in a seeded-shuffled order),
    converted from uint8 only as far as they are used."""
    images, labels = read_split(prepared_dir, split)
    return from_uint8(images[:count]), labels[:count]


def _prepared_datamodule(cfg: DictConfig):
    from hydra.utils import instantiate

    datamodule = instantiate(cfg.data)
    datamodule.prepare()
    return datamodule


def numeric_scores(result: dict[str, Any]) -> dict[str, float]:
    """`eval/<score>` and `eval/reference_<score>` for every number in the result."""

    def numbers(scores: dict[str, Any]) -> dict[str, float]:
        return {
            k: float(v)
            for k, v in scores.items()
            if isinstance(v, int | float) and not isinstance(v, bool) and k != "num_samples"
        }

    metrics = {f"eval/{k}": v for k, v in numbers(result).items()}
    metrics |= {f"eval/reference_{k}": v for k, v in numbers(result["reference"]).items()}
    return metrics
