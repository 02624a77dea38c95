"""Train the evaluator classifier: trained on the real training split, its features and logits
are the space every score is measured in (genlab.metrics.evaluator loads it for scoring)."""

import json
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig

from genlab.utils.errors import GenlabError

METRICS_NAME = "metrics.json"


def train_evaluator(cfg: DictConfig) -> dict[str, Any]:
    if cfg.data.evaluator != cfg.data.name:
        raise GenlabError(
            f"data={cfg.data.name} is scored by the evaluator of {cfg.data.evaluator}, channel by "
            f"channel: train that one, `python pipelines/train_evaluator.py "
            f"data={cfg.data.evaluator}`"
        )
    pl.seed_everything(cfg.seed, workers=True)
    datamodule = instantiate(cfg.data)
    meta = datamodule.prepare()
    module = instantiate(cfg.model, num_classes=len(meta["classes"]))
    trainer: pl.Trainer = instantiate(cfg.trainer)
    trainer.fit(module, datamodule=datamodule)
    accuracy = float(
        trainer.validate(module, datamodule=datamodule, verbose=False)[0]["val/accuracy"]
    )

    out, checkpoint = Path(cfg.output_dir), Path(cfg.checkpoint)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    trainer.save_checkpoint(checkpoint, weights_only=True)
    metrics = {"val_accuracy": accuracy, "data": meta["name"], "data_sha256": meta["sha256"]}
    (out / METRICS_NAME).write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics | {"checkpoint": str(checkpoint)}
