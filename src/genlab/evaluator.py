"""Train the evaluator classifier and save it with its held-out accuracy."""

import json
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig

CHECKPOINT_NAME = "classifier.ckpt"
METRICS_NAME = "metrics.json"


def train_evaluator(cfg: DictConfig) -> dict[str, Any]:
    pl.seed_everything(cfg.seed, workers=True)
    datamodule = instantiate(cfg.data)
    meta = datamodule.prepare()
    module = instantiate(cfg.model, num_classes=len(meta["classes"]))
    trainer: pl.Trainer = instantiate(cfg.trainer)
    trainer.fit(module, datamodule=datamodule)
    accuracy = float(
        trainer.validate(module, datamodule=datamodule, verbose=False)[0]["val/accuracy"]
    )

    out = Path(cfg.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    trainer.save_checkpoint(out / CHECKPOINT_NAME, weights_only=True)
    metrics = {"val_accuracy": accuracy, "data": meta["name"], "data_sha256": meta["sha256"]}
    (out / METRICS_NAME).write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics | {"checkpoint": str(out / CHECKPOINT_NAME)}
